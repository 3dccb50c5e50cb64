"""Structured (JSON-lines) logs with Slack tokens and secrets scrubbed.

Every record goes through :class:`RedactingFilter`, so a token that reaches a log
line by accident (an exception message, a request dump at DEBUG) is masked before
any handler formats it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# xoxb-/xoxp-/xapp-/xoxe- tokens, Fernet-looking secrets behind "token"/"secret" keys, Bearer headers.
_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._-]+", re.IGNORECASE)
_KEYED_SECRET = re.compile(r"((?:token|secret|password)['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}&]+", re.IGNORECASE)

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


# PostgreSQL puts row values in an error's DETAIL ("Failing row contains (…)", "Key (…)=(…)"): with
# a win's row that is the win's text. The error's kind and statement stay; the values go.
_DB_DETAIL = re.compile(r"^(\s*DETAIL:\s*).*$", re.MULTILINE)


def redact(text: str) -> str:
    text = _DB_DETAIL.sub(r"\1[row values hidden]", text)
    text = _TOKEN.sub(lambda m: f"{m.group(1)}-***", text)
    text = _BEARER.sub(r"\1***", text)
    return _KEYED_SECRET.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


# Libraries whose records carry message bodies: slack_sdk logs every Web API request and answer body
# at DEBUG, Bolt the body it answers Slack with, Socket Mode the messages it receives; SQLAlchemy
# logs statements with their parameters at INFO. Those bodies are people's words, so below these
# levels nothing from them is written, whatever LOG_LEVEL says (their warnings and errors still are).
QUIET_LIBRARIES = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
    "slack": logging.INFO,
    "sqlalchemy": logging.WARNING,
}
# Slack library lines at INFO and above that embed a request body (form-encoded or JSON): they are
# cut down to the words before it.
_BODY_BEARING = (
    "Invalid request signature detected",  # RequestVerification, at INFO, with the whole body
    "Unhandled request",  # App, at WARNING, with parts of the body (values, submissions)
    "without providing a response for the request",  # App, when a global middleware stops a request
    "request body:",
)


class BodyFreeFilter(logging.Filter):
    """Keeps request, answer and statement bodies (user text) out of every log line, at every level.

    Logger levels already keep most of them out; this filter also holds when something (a test, a
    debugging session) lowers a library logger's level again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        for name, floor in QUIET_LIBRARIES.items():
            if record.name == name or record.name.startswith(name + "."):
                if record.levelno < floor:
                    return False
                if name != "sqlalchemy":
                    _drop_body(record)
        return True


def _drop_body(record: logging.LogRecord) -> None:
    """Cut a Slack library's message before its body: at a known marker, else at the first ``{``.

    Bolt warns about an unhandled request with the whole request (a modal's typed text included);
    the message's first part says what happened, which is what an operator needs.
    """
    message = record.getMessage()
    for marker in _BODY_BEARING:
        if marker in message:
            record.msg, record.args = message[: message.index(marker) + len(marker)] + " (body not logged)", None
            return
    cut = message.find("{")
    if cut >= 0:
        record.msg, record.args = message[:cut] + "[body not logged]", None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, any ``extra=`` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            # Redacted before JSON escapes its newlines: a database error's DETAIL line holds row values.
            payload["exception"] = redact(self.formatException(record.exc_info))
        return redact(json.dumps(payload, ensure_ascii=False, default=str))


def install_log_handler(level: int | str = logging.INFO) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_stagecoach", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(BodyFreeFilter())
    handler.addFilter(RedactingFilter())
    handler._stagecoach = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name, floor in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

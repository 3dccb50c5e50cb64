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


def redact(text: str) -> str:
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


# Loggers of the Slack libraries. At DEBUG nearly every line they write embeds a payload (Bolt's
# "Responding with status ... body", Socket Mode's received messages, slack_sdk's request and
# response bodies), so their DEBUG records are dropped; their INFO+ lines that embed a request
# body are cut down to the words before it.
_SLACK_LOGGERS = ("slack_bolt", "slack_sdk", "slack.")
_BODY_BEARING = (
    "Invalid request signature detected",  # RequestVerification, at INFO, with the whole body
    "Unhandled request",  # App, at WARNING, with parts of the body (values, submissions)
    "without providing a response for the request",  # App, when a global middleware stops a request
    "request body:",
)


class PayloadFilter(logging.Filter):
    """Keeps request and response bodies (user text) out of every log line, at every level."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_SLACK_LOGGERS) and record.name != "slack":
            return True
        if record.levelno < logging.INFO:
            return False
        message = record.getMessage()
        for marker in _BODY_BEARING:
            if marker in message:
                record.msg, record.args = message[: message.index(marker) + len(marker)] + " (body not logged)", None
                break
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, any ``extra=`` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(payload, ensure_ascii=False, default=str))


def install_log_handler(level: int | str = logging.INFO) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_stagecoach", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PayloadFilter())
    handler.addFilter(RedactingFilter())
    handler._stagecoach = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # slack_sdk and Bolt log full request bodies at DEBUG; PayloadFilter drops those lines anyway,
    # and at INFO they are not even formatted.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, root.level))
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, root.level))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

"""Tokens and secrets never reach the logs."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import JsonFormatter, RedactingFilter, redact


@pytest.mark.parametrize(
    "secret",
    ["xoxb-1234-5678-abcdef", "xapp-1-A1-123-abc", "xoxp-99-secret", "xoxb-1-abc"],
)
def test_tokens_are_masked(secret: str) -> None:
    assert secret not in redact(f"calling with token {secret} now")


def test_bearer_headers_and_keyed_secrets_are_masked() -> None:
    line = redact("Authorization: Bearer abc.def-123 client_secret=topsecret password: hunter2")
    assert "abc.def-123" not in line and "topsecret" not in line and "hunter2" not in line


def test_records_are_json_and_scrubbed_through_the_handler_pipeline() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "token %s used", ("xoxb-1-2-3",), None)
    record.team = "T1"
    assert RedactingFilter().filter(record)
    payload = json.loads(JsonFormatter().format(record))
    assert payload["message"] == "token xoxb-*** used"
    assert payload["team"] == "T1"
    assert payload["level"] == "INFO"


def test_slack_library_bodies_are_cut_at_any_level() -> None:
    from bot.logs import BodyFreeFilter

    record = logging.LogRecord(
        "slack_bolt.App", logging.WARNING, __file__, 1, "Unhandled request (%s)", ({"text": "my secret win"},), None
    )
    assert BodyFreeFilter().filter(record)
    assert "my secret win" not in record.getMessage() and "Unhandled request" in record.getMessage()
    debug = logging.LogRecord("slack_sdk.web.base_client", logging.DEBUG, __file__, 1, "body: %s", ("x",), None)
    assert not BodyFreeFilter().filter(debug)

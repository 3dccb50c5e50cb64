"""No request body in any log line at any level: a real ``python -m bot`` at LOG_LEVEL=DEBUG.

Bolt writes payloads at DEBUG ("Responding with ... body"), whole bodies at INFO when a signature
fails, and parts of them at WARNING for unhandled requests; our own failures log with context.
Every kind of request below carries one distinctive string, which must not appear on stderr.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.blocks.ids import CMD_WIN, SHORTCUT_SAVE_AS_WIN
from bot.logs import BodyFreeFilter
from tests.support.driver import SlackDriver, http_request
from tests.support.fake_slack import FakeSlack
from tests.support.processes import clean_env, free_port

pytestmark = pytest.mark.slow

MARKER = "WOMBAT-OCELOT-9052"
SECRET = "debug-run-secret"


def wait_healthy(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http_request(f"http://127.0.0.1:{port}/healthz").status == 200:
                return
        except OSError:
            pass
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.05)
    raise AssertionError("the bot did not become healthy in 30 s")


def post_oversize(port: int) -> int:
    """20 MB announced: waitress (max_request_body_size) answers 413 from the header alone."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.putrequest("POST", "/slack/events")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("X-Slack-Request-Timestamp", str(int(time.time())))
        connection.putheader("X-Slack-Signature", "v0=" + "0" * 64)
        connection.putheader("Content-Length", str(20 * 1024 * 1024))
        connection.endheaders()
        with contextlib.suppress(OSError):  # the server may already have answered and closed
            connection.send(f"text={MARKER}".encode() * 1000)
        return connection.getresponse().status
    finally:
        connection.close()


def test_debug_run_logs_no_request_body(tmp_path: Path, fake_slack: FakeSlack, scratch_database: str) -> None:
    port = free_port()
    env = clean_env(
        DATABASE_URL=scratch_database,  # the backend under test (SQLite file or PostgreSQL)
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        PORT=str(port),
        BOT_SCHEDULER="off",
        LOG_LEVEL="DEBUG",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_healthy(port, process)
        slack = SlackDriver(f"http://127.0.0.1:{port}", SECRET, fake_slack)
        # Served: a win stored and answered (its text goes to Slack, never to the log).
        assert slack.command(CMD_WIN, f"{MARKER} shipped the importer").status == 200
        assert MARKER in json.dumps(slack.responses(timeout=10))
        # Served, then failing after the ack: Slack refuses the modal, and the failure is logged.
        fake_slack.error_next("views.open", "invalid_arguments")
        message = {"ts": "1.000002", "text": f"{MARKER} in a message", "user": "U0002"}
        assert slack.message_shortcut(SHORTCUT_SAVE_AS_WIN, message).status == 200
        fake_slack.wait_for("views.open", timeout=10)
        # Unhandled by any listener: Bolt warns with parts of the body (the button's value).
        assert slack.click("no_such_action", value=MARKER).status == 404
        view = {"callback_id": "no_such_modal"}
        assert slack.submit_view(view, {"b": {"v": {"type": "plain_text_input", "value": MARKER}}}).status == 404
        # Refused: Bolt would log the whole body of a wrong signature at INFO.
        assert slack.post_form({"text": MARKER}, signature="v0=" + "1" * 64).status == 401
        assert slack.post_form({"text": MARKER}, extra_headers={"X-Slack-Request-Timestamp": "abc"}).status == 401
        assert post_oversize(port) == 413
        # Another workspace's signed request.
        assert slack.command(CMD_WIN, f"{MARKER} from elsewhere", team="T0OTHER").status == 403
    finally:
        # SIGTERM drains the work after the acks first (the failing shortcut's error log included).
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    lines = stderr.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    print(f"\nDEBUG run: {len(lines)} log lines, {sum(r['level'] == 'DEBUG' for r in records)} at DEBUG")
    assert any(r["level"] == "DEBUG" for r in records), "the run was not at DEBUG"
    assert any(r["level"] == "ERROR" and r["message"].startswith("views.open failed") for r in records)
    assert any(r["message"].startswith("Unhandled request") for r in records)
    assert any(r["message"] == "refused a request" for r in records)
    assert MARKER not in stderr


@pytest.mark.parametrize(
    ("logger", "level", "message", "kept"),
    [
        ("slack_bolt.App", logging.DEBUG, f"Responding with status: 200 body: {MARKER}", None),
        ("slack_sdk.web.base_client", logging.DEBUG, f"Sending a request - body: {MARKER}", None),
        (
            "slack_bolt.RequestVerification",
            logging.INFO,
            f"Invalid request signature detected (signature: v0=1, timestamp: 1, body: text={MARKER})",
            "Invalid request signature detected (body not logged)",
        ),
        ("slack_bolt.App", logging.WARNING, f"Unhandled request ({{'value': '{MARKER}'}})", "Unhandled request"),
        ("bot.server", logging.DEBUG, "our own debug line", "our own debug line"),
    ],
)
def test_payload_filter(logger: str, level: int, message: str, kept: str | None) -> None:
    record = logging.LogRecord(logger, level, __file__, 1, message, None, None)
    passed = BodyFreeFilter().filter(record)
    if kept is None:
        assert not passed
    else:
        assert passed
        assert record.getMessage().startswith(kept)
        assert MARKER not in record.getMessage()

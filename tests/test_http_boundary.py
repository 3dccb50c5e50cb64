"""The HTTP boundary refuses before it reads: malformed signature headers, oversize bodies, other teams.

Every refusal is checked for side effects of any kind: no Web API call, no response_url POST,
no database row. The attacker's bodies below are the ones that, before the request gate, went
through Bolt's signature check raising into the error handler, which then DMed the body's
``user_id`` or POSTed to its ``response_url`` as the bot.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from slack_bolt import BoltContext
from sqlalchemy import func, select

from bot.db.models import Base
from bot.server import MAX_REQUEST_BODY_BYTES
from bot.slack.errors import handle_listener_error
from bot.slack.registrar import drain
from bot.webapi.client import make_web_client
from tests.support.bots import RunningBot
from tests.support.driver import Reply, sign

FORM = "application/x-www-form-urlencoded"
MARKER = "QUOKKA-ZEBRA-4471"  # distinctive text: must never reach Slack, the database or a log


def row_counts(bot: RunningBot) -> dict[str, int]:
    with bot.db.engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
        }


def raw_post(url: str, body: bytes, headers: list[tuple[str, str | bytes]]) -> Reply:
    """POST with headers exactly as given: repeated names, raw bytes (urllib normalises both away)."""
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=15)
    try:
        connection.putrequest("POST", "/slack/events")
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Type", FORM)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Reply(response.status, response.read())
    finally:
        connection.close()


def attack_command(bot: RunningBot, with_response_url: bool) -> bytes:
    fields = {
        "team_id": "T0001",
        "user_id": "U0ATTACK",
        "channel_id": "C0ATTACK",
        "command": "/win",
        "text": f"{MARKER} <https://evil.example/login|Click here to keep your account>",
        "trigger_id": "trigger-attack",
    }
    if with_response_url:
        fields["response_url"] = bot.fake.response_url("attack")
    return urlencode(fields).encode()


def assert_no_side_effect(bot: RunningBot, calls_before: int, rows_before: dict[str, int]) -> None:
    assert drain(), "post-ack work still running"
    assert bot.fake.calls[calls_before:] == []
    assert dict(bot.fake.responses) in ({}, {"attack": []})
    assert row_counts(bot) == rows_before


NOW = str(int(time.time()))
GOOD_SIGNATURE = "v0=" + "0" * 64
MALFORMED_HEADERS: dict[str, list[tuple[str, str | bytes]]] = {
    "timestamp abc": [("X-Slack-Request-Timestamp", "abc"), ("X-Slack-Signature", GOOD_SIGNATURE)],
    "timestamp empty": [("X-Slack-Request-Timestamp", ""), ("X-Slack-Signature", GOOD_SIGNATURE)],
    "timestamp 1e3": [("X-Slack-Request-Timestamp", "1e3"), ("X-Slack-Signature", GOOD_SIGNATURE)],
    "two timestamps joined by a proxy": [
        ("X-Slack-Request-Timestamp", NOW),
        ("X-Slack-Request-Timestamp", NOW),
        ("X-Slack-Signature", GOOD_SIGNATURE),
    ],
    "non-ASCII signature": [("X-Slack-Request-Timestamp", NOW), ("X-Slack-Signature", ("v0=" + "é" * 64).encode())],
    "non-ASCII digits": [("X-Slack-Request-Timestamp", "١٢٣".encode()), ("X-Slack-Signature", GOOD_SIGNATURE)],
    "missing timestamp": [("X-Slack-Signature", GOOD_SIGNATURE)],
    "missing signature": [("X-Slack-Request-Timestamp", NOW)],
    "missing both": [],
}


@pytest.mark.parametrize("with_response_url", [True, False], ids=["response_url", "dm"])
@pytest.mark.parametrize("case", list(MALFORMED_HEADERS))
def test_malformed_signature_headers_get_401_and_do_nothing(
    bot: RunningBot, case: str, with_response_url: bool
) -> None:
    calls_before, rows_before = len(bot.fake.calls), row_counts(bot)
    reply = raw_post(bot.url, attack_command(bot, with_response_url), MALFORMED_HEADERS[case])
    assert reply.status == 401
    assert MARKER.encode() not in reply.body
    assert_no_side_effect(bot, calls_before, rows_before)


def test_a_correct_signature_on_the_same_body_is_served(bot: RunningBot) -> None:
    """The control for the test above: the same bytes, correctly signed, do reach the app."""
    body = attack_command(bot, with_response_url=True)
    now = int(time.time())
    headers: list[tuple[str, str | bytes]] = [
        ("X-Slack-Request-Timestamp", str(now)),
        ("X-Slack-Signature", sign(bot.slack.signing_secret, body, now)),
    ]
    assert raw_post(bot.url, body, headers).status == 200
    assert bot.fake.wait_for_response("attack")


def test_malformed_unsigned_body_is_401_not_500(bot: RunningBot) -> None:
    headers: list[tuple[str, str | bytes]] = [("X-Slack-Request-Timestamp", NOW), ("X-Slack-Signature", GOOD_SIGNATURE)]
    assert raw_post(bot.url, b"payload=%7B%22type%22%3A", headers).status == 401
    assert raw_post(bot.url, b"\xff\xfe" + MARKER.encode(), headers).status == 401


def test_signed_body_that_is_not_utf8_is_refused_before_bolt(bot: RunningBot) -> None:
    """Slack's bodies are UTF-8; Bolt decodes them as such and answered 500 with a traceback."""
    calls_before, rows_before = len(bot.fake.calls), row_counts(bot)
    assert bot.slack.post(b"text=\xff\xfe", FORM).status == 401
    assert_no_side_effect(bot, calls_before, rows_before)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_bodies_over_one_megabyte_get_413_unparsed_and_unlogged(
    bot: RunningBot, signed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    calls_before, rows_before = len(bot.fake.calls), row_counts(bot)
    body = attack_command(bot, with_response_url=True)
    body += b"&padding=" + MARKER.encode() * (MAX_REQUEST_BODY_BYTES // len(MARKER) + 1)
    assert len(body) > MAX_REQUEST_BODY_BYTES
    signature = None if signed else GOOD_SIGNATURE
    reply = bot.slack.post(body, FORM, signature=signature)
    assert reply.status == 413
    assert_no_side_effect(bot, calls_before, rows_before)
    assert not [r for r in caplog.records if MARKER in r.getMessage()]


def test_a_body_at_the_limit_is_still_verified_and_served(bot: RunningBot) -> None:
    fields = {"command": "/stage", "text": "1", "team_id": "T0001", "user_id": "U0001", "channel_id": "C0001"}
    fields["response_url"] = bot.fake.response_url("big")
    body = urlencode(fields).encode() + b"&padding="
    body += b"x" * (MAX_REQUEST_BODY_BYTES - len(body))
    assert len(body) == MAX_REQUEST_BODY_BYTES
    assert bot.slack.post(body, FORM).status == 200
    assert bot.fake.wait_for_response("big")


# -- the error handler ---------------------------------------------------------------------------


def test_error_handler_does_not_act_on_an_unverified_request(bot: RunningBot) -> None:
    """Bolt calls the error handler for its own middleware's failures too; before authorization
    (which follows the signature check) nothing in the body is trusted."""
    body: dict[str, Any] = {
        "command": "/win",
        "text": MARKER,
        "user_id": "U0ATTACK",
        "response_url": bot.fake.response_url("attack"),
    }
    context = BoltContext({"user_id": "U0ATTACK", "team_id": "T0001"})
    client = make_web_client(bot.fake.api_url, "xoxb-test-token")
    calls_before = len(bot.fake.calls)
    response = handle_listener_error(ValueError("invalid literal for int()"), body, context, client)
    assert response.status == 401
    assert bot.fake.calls[calls_before:] == []
    assert bot.fake.responses.get("attack", []) == []


# -- single-workspace mode: only our own team ----------------------------------------------------


def test_signed_command_for_another_team_is_refused(bot: RunningBot) -> None:
    calls_before, rows_before = len(bot.fake.calls), row_counts(bot)
    reply = bot.slack.command("/win", f"{MARKER} shipped it", user="U0OTHER", team="T0OTHER")
    assert reply.status == 403
    assert_no_side_effect(bot, calls_before, rows_before)
    assert bot.fake.responses.get(bot.slack.last_response_name, []) == []


def test_signed_click_and_event_for_another_team_are_refused(bot: RunningBot) -> None:
    calls_before, rows_before = len(bot.fake.calls), row_counts(bot)
    assert bot.slack.click("anything", value=MARKER, team="T0OTHER").status == 403
    event = {"type": "app_home_opened", "user": "U0OTHER", "tab": "home", "channel": "D0OTHER"}
    assert bot.slack.event(event, team="T0OTHER").status == 403
    assert_no_side_effect(bot, calls_before, rows_before)


def test_the_same_command_for_our_own_team_is_served(bot: RunningBot) -> None:
    """The control: what is refused for T0OTHER works for the team auth.test names (T0001)."""
    rows_before = row_counts(bot)
    assert bot.slack.command("/win", "shipped the migration tool", user="U0001").status == 200
    assert "shipped" in json.dumps(bot.slack.responses())
    assert drain()
    assert row_counts(bot) != rows_before

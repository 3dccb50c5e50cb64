"""The HTTP boundary: only correctly signed, fresh requests get in; /healthz answers."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from tests.support.bots import RunningBot
from tests.support.driver import http_request, sign

BODY = urlencode({"command": "/stage", "text": "1", "team_id": "T0001", "user_id": "U0001"}).encode()
FORM = "application/x-www-form-urlencoded"


def test_unsigned_request_is_refused(bot: RunningBot) -> None:
    reply = http_request(f"{bot.url}/slack/events", BODY, {"Content-Type": FORM}, method="POST")
    assert reply.status == 401
    assert bot.fake.calls_to("chat.postMessage") == []


def test_wrong_signature_is_refused(bot: RunningBot) -> None:
    now = int(time.time())
    assert bot.slack.post(BODY, FORM, timestamp=now, signature=sign("not-the-secret", BODY, now)).status == 401


def test_tampered_body_is_refused(bot: RunningBot) -> None:
    now = int(time.time())
    signature = sign(bot.slack.signing_secret, BODY, now)
    assert bot.slack.post(BODY + b"&extra=1", FORM, timestamp=now, signature=signature).status == 401


def test_ten_minute_old_request_is_refused(bot: RunningBot) -> None:
    old = int(time.time()) - 600
    assert bot.slack.post(BODY, FORM, timestamp=old).status == 401


def test_correctly_signed_request_is_accepted(bot: RunningBot) -> None:
    assert bot.slack.command("/stage", "1").status == 200


def test_healthz_reports_the_database(bot: RunningBot) -> None:
    reply = http_request(f"{bot.url}/healthz")
    assert reply.status == 200
    health = json.loads(reply.body)
    assert (health["status"], health["database"]) == ("ok", "ok")
    # The work after acks is visible: nothing queued in an idle bot, and its bound.
    queue = health["post_ack"]
    assert queue["depth"] == queue["queued"] == queue["running"] == 0
    assert queue["capacity"] == bot.deps.settings.stagecoach_post_ack_queue
    assert queue["workers"] == bot.deps.settings.stagecoach_post_ack_workers
    assert queue["draining"] is False and health["in_flight"] == 0


def test_unknown_paths_are_404(bot: RunningBot) -> None:
    assert http_request(f"{bot.url}/nope").status == 404
    assert http_request(f"{bot.url}/slack/install").status == 404  # OAuth is off without client id/secret


def test_acks_are_fast(bot: RunningBot) -> None:
    started = time.perf_counter()
    for _ in range(5):
        assert bot.slack.command("/stage", "2").status == 200
    assert (time.perf_counter() - started) / 5 < 1.0

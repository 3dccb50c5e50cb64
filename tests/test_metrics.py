"""``GET /metrics``: Prometheus text from prometheus_client, moved by signed requests and a tick."""

from __future__ import annotations

import threading
import time
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.blocks import ids
from bot.db.engine import Database
from bot.deps import Deps
from bot.metrics import Metrics
from bot.slack.app import build_app
from bot.slack.registrar import drain
from bot.webapi.client import MeteredWebClient
from content import Content
from tests.support.bots import RunningBot, make_settings
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import tick, utc

T0 = utc(2026, 11, 18, 15, 0)  # a Wednesday 15:00 UTC: nothing but the stuck nudges falls due
KINDS = ("command", "action", "view", "shortcut", "event", "other")


def scrape(bot: RunningBot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}, parsed by prometheus_client's own parser."""
    with urllib.request.urlopen(f"{bot.url}/metrics", timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain; version=")
        text = reply.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(
    before: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    after: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    name: str,
    **labels: str,
) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_every_request_kind_is_exposed_from_the_start(bot: RunningBot) -> None:
    samples = scrape(bot)
    for kind in KINDS:
        assert ("stagecoach_requests_total", (("kind", kind),)) in samples
    assert value(samples, "stagecoach_post_ack_queue_depth") == 0
    assert ("stagecoach_tick_seconds_count", ()) in samples


def test_requests_acks_and_answers_are_counted_by_kind(bot: RunningBot) -> None:
    bot.clock.set(T0)
    before = scrape(bot)

    assert bot.slack.command("/stuck", "flaky test").status == 200
    bot.slack.responses()  # answered through response_url
    assert bot.slack.command("/stage", "2").status == 200
    bot.slack.responses()
    event = {"type": "app_home_opened", "user": "U0001", "tab": "home", "channel": "D0001"}
    assert bot.slack.event(event).status == 200
    bot.fake.wait_for("views.publish")
    bot.fake.error_next("chat.getPermalink", "channel_not_found")
    message = {"type": "message", "user": "U0002", "ts": "1700000000.000100", "text": "thanks!"}
    assert bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message).status == 200
    bot.fake.wait_for("views.open")
    assert bot.slack.post(b"garbage", "application/x-www-form-urlencoded", signature="v0=forged").status == 401
    assert drain()
    after = scrape(bot)

    assert moved(before, after, "stagecoach_requests_total", kind="command") == 2
    assert moved(before, after, "stagecoach_requests_total", kind="event") == 1
    assert moved(before, after, "stagecoach_requests_total", kind="shortcut") == 1
    # The forged request is refused at the signature gate, before Bolt: counted, never parsed.
    assert moved(before, after, "stagecoach_requests_total", kind="refused") == 1
    assert moved(before, after, "stagecoach_requests_total", kind="action") == 0
    assert moved(before, after, "stagecoach_ack_seconds_count", kind="command") == 2
    # Acks here take milliseconds; all of them fall under Slack's 3 s deadline.
    assert moved(before, after, "stagecoach_ack_seconds_bucket", kind="command", le="3.0") == 2
    assert moved(before, after, "stagecoach_answer_seconds_count", kind="command") == 2
    assert moved(before, after, "stagecoach_answer_seconds_count", kind="event") == 1
    assert moved(before, after, "stagecoach_answer_seconds_count", kind="shortcut") == 1
    assert moved(before, after, "stagecoach_answer_seconds_count", kind="other") == 0
    # The answer comes after the ack: its sum is at least the acks' for the same requests, and positive.
    assert moved(before, after, "stagecoach_answer_seconds_sum", kind="command") > 0
    assert (
        moved(before, after, "stagecoach_slack_errors_total", method="chat.getPermalink", error="channel_not_found")
        == 1
    )


def test_only_the_first_answer_of_a_request_is_timed(bot: RunningBot) -> None:
    before = scrape(bot)
    # /win with text answers through response_url once; a second reply to the same request is not timed.
    assert bot.slack.command("/win", "shipped the retry fix").status == 200
    bot.slack.responses()
    assert drain()
    after = scrape(bot)
    assert moved(before, after, "stagecoach_answer_seconds_count", kind="command") == 1


def test_a_tick_counts_nudges_by_kind_and_outcome_and_slack_errors_by_method(bot: RunningBot) -> None:
    bot.clock.set(T0)
    for user in ("U0001", "U0002", "U0003"):
        assert bot.slack.command("/stuck", "flaky test", user=user).status == 200
    assert drain()
    bot.fake.reset()
    # One 429 (waited out, then that row is sent), one refusal for good, one 5xx (left for later).
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    bot.fake.error_next("chat.postMessage", "user_not_found")
    bot.fake.fail_next("chat.postMessage", status=500)
    before = scrape(bot)

    report = tick(bot.deps, T0 + timedelta(minutes=31))

    after = scrape(bot)
    assert report.planned == {"stuck": 3}
    assert (report.sent, report.failed, report.retry_later) == (1, 1, 1)
    assert moved(before, after, "stagecoach_nudges_planned_total", kind="stuck") == 3
    assert moved(before, after, "stagecoach_nudges_total", kind="stuck", outcome="sent") == 1
    assert moved(before, after, "stagecoach_nudges_total", kind="stuck", outcome="failed") == 1
    assert moved(before, after, "stagecoach_nudges_total", kind="stuck", outcome="retried") == 1
    assert moved(before, after, "stagecoach_nudges_total", kind="weekly_prompt", outcome="sent") == 0
    assert moved(before, after, "stagecoach_slack_rate_limited_total", method="chat.postMessage") == 1
    assert moved(before, after, "stagecoach_slack_errors_total", method="chat.postMessage", error="user_not_found") == 1
    assert moved(before, after, "stagecoach_tick_seconds_count") == 1
    assert moved(before, after, "stagecoach_tick_seconds_sum") > 0

    # The same instant again: nothing new planned or sent, one more tick timed.
    bot.fake.reset()
    tick(bot.deps, T0 + timedelta(minutes=31))
    again = scrape(bot)
    assert moved(after, again, "stagecoach_nudges_planned_total", kind="stuck") == 0
    assert moved(after, again, "stagecoach_nudges_total", kind="stuck", outcome="sent") == 0
    assert moved(after, again, "stagecoach_tick_seconds_count") == 1


def test_queue_depth_shows_acked_work_waiting_for_a_worker(bot: RunningBot) -> None:
    # Slow the answers so every post-ack worker is busy and later requests wait their turn.
    gate = threading.Event()
    bot.fake.handlers["views.publish"] = lambda params, token: (gate.wait(10), {"ok": True, "view": {"id": "V1"}})[1]
    event = {"type": "app_home_opened", "user": "U0001", "tab": "home", "channel": "D0001"}
    workers = bot.deps.settings.stagecoach_post_ack_workers
    try:
        for _ in range(workers + 5):
            assert bot.slack.event(event).status == 200
        deadline = time.monotonic() + 5
        depth = 0.0
        while time.monotonic() < deadline and depth < 3:
            depth = value(scrape(bot), "stagecoach_post_ack_queue_depth")
            time.sleep(0.02)
        # Five more acked than there are workers: at least three wait (the home tab may queue follow-up work too).
        assert depth >= 3
    finally:
        gate.set()
    assert drain()
    assert value(scrape(bot), "stagecoach_post_ack_queue_depth") == 0


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()  # would raise "Duplicated timeseries" on a shared registry
    first.observe_request("command")
    assert first.registry is not second.registry
    assert second.requests.labels("command")._value.get() == 0


def test_socket_mode_requests_are_counted_and_answers_timed(
    db: Database, fake_slack: FakeSlack, content: Content, database_url: str
) -> None:
    # Socket Mode hands Bolt each request without an HTTP handler in front: the middleware starts the clock.
    settings = make_settings(database_url, fake_slack.api_url, slack_app_token="xapp-1-test")
    deps = Deps(settings=settings, db=db, content=content)
    built = build_app(deps)
    body = {
        "team_id": "T0001",
        "channel_id": "C0001",
        "user_id": "U0001",
        "command": "/stage",
        "text": "1",
        "api_app_id": "A0001",
        "response_url": fake_slack.response_url("socket1"),
        "trigger_id": "trigger-socket1",
    }
    response = built.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200
    fake_slack.wait_for_response("socket1")
    assert drain()
    assert deps.metrics.requests.labels("command")._value.get() == 1
    answers = {
        s.name: s.value
        for s in next(iter(deps.metrics.answer_seconds.collect())).samples
        if s.labels["kind"] == "command"
    }
    assert answers["stagecoach_answer_seconds_count"] == 1
    assert not any(s.value for s in next(iter(deps.metrics.ack_seconds.collect())).samples if s.name.endswith("_count"))


def test_a_request_builds_one_web_client_and_it_is_metered(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt builds a WebClient per request; the metered one the listener gets is that same client, not a
    second (issue 26): a refused call on it is counted, and an answering one stops the answer clock."""
    built: list[WebClient] = []
    init = WebClient.__init__

    def counting_init(self: WebClient, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(WebClient, "__init__", counting_init)
    bot.clock.set(T0)
    before = scrape(bot)
    bot.fake.error_next("chat.getPermalink", "channel_not_found")
    message = {"type": "message", "user": "U0002", "ts": "1700000000.000100", "text": "thanks!"}
    assert bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message).status == 200
    bot.fake.wait_for("views.open")
    assert drain()
    after = scrape(bot)

    assert len(built) == 1
    assert isinstance(built[0], MeteredWebClient)
    assert moved(before, after, "stagecoach_answer_seconds_count", kind="shortcut") == 1
    assert (
        moved(before, after, "stagecoach_slack_errors_total", method="chat.getPermalink", error="channel_not_found")
        == 1
    )

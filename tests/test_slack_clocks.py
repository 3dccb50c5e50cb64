"""Slack's clocks under load: modals inside the trigger window, a bounded queue that says when it is full."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import BragEntry
from bot.deps import Deps
from bot.slack.registrar import BUSY_TEXT, PostAckExecutor, Saturated
from content import Content
from tests.support.bots import RunningBot, make_settings, start_bot
from tests.support.clock import Clock
from tests.support.driver import Reply
from tests.support.fake_slack import FakeSlack
from tests.support.waiting import eventually

SLACK_LATENCY = 0.4
BURST = 20


def burst(send: Callable[[int], Reply], count: int = BURST) -> list[Reply]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(send, range(count)))


def opened_in_window(fake: FakeSlack, count: int) -> None:
    """Every modal opened, none too late, and Slack saw no trigger twice."""
    eventually(lambda: len(fake.calls_to("views.open")) >= count, timeout=15)
    errors = [call.error for call in fake.calls_to("views.open")]
    assert errors == [None] * count, errors
    assert fake.errors("expired_trigger_id") == 0


def test_twenty_bare_wins_open_twenty_modals_with_slow_slack(bot: RunningBot) -> None:
    bot.fake.delay = SLACK_LATENCY
    replies = burst(lambda i: bot.slack.command("/win", "", user=f"U{i:04d}"))
    assert all(reply.status == 200 for reply in replies)
    opened_in_window(bot.fake, BURST)


def test_twenty_home_clicks_open_twenty_modals_with_slow_slack(bot: RunningBot) -> None:
    bot.fake.delay = SLACK_LATENCY
    home = {"type": "home", "id": "VHOME", "hash": "h"}
    replies = burst(lambda i: bot.slack.click(ids.WIN_OPEN_MODAL, user=f"U{i:04d}", view=home))
    assert all(reply.status == 200 for reply in replies)
    opened_in_window(bot.fake, BURST)


def test_twenty_save_as_win_open_twenty_modals_with_slow_slack(bot: RunningBot) -> None:
    # Each calls chat.getPermalink (0.4 s) before views.open (0.4 s more): 0.8 s of the 3.
    bot.fake.delay = SLACK_LATENCY
    message = {"type": "message", "user": "U9999", "ts": "1700000000.000100", "text": "thanks for the fix!"}
    replies = burst(lambda i: bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message, user=f"U{i:04d}"))
    assert all(reply.status == 200 for reply in replies)
    opened_in_window(bot.fake, BURST)
    assert len(bot.fake.calls_to("chat.getPermalink")) == BURST


@pytest.fixture
def small_bot(
    db: Database, fake_slack: FakeSlack, content: Content, database_url: str, clock: Clock
) -> Iterator[RunningBot]:
    """One post-ack thread and one place in its queue: saturated by three slow requests."""
    settings = make_settings(
        database_url, fake_slack.api_url, stagecoach_post_ack_workers=1, stagecoach_post_ack_queue=1
    )
    running, server = start_bot(Deps(settings=settings, db=db, content=content, clock=clock), fake_slack, clock)
    yield running
    server.stop()


def test_a_click_refused_by_a_full_queue_is_answered_busy_through_its_response_url(small_bot: RunningBot) -> None:
    bot = small_bot
    bot.fake.delay = 1.0
    bot.slack.command("/stage", "1", user="U0001")  # running
    eventually(lambda: bot.built.registrar.post_ack.stats().running == 1)
    bot.slack.command("/stage", "2", user="U0002")  # queued: the one place
    clicks = [bot.slack.click(ids.STAGE_SET_MINE, "2", user=f"U01{i:02d}", response_name=f"busy{i}") for i in range(6)]
    assert all(reply.status == 200 for reply in clicks)
    # Six refusals, each told on a few overflow threads (not a thread each), all answered.
    for i in range(6):
        [answer] = bot.fake.wait_for_response(f"busy{i}", timeout=15)
        assert BUSY_TEXT in answer["text"]
    assert bot.built.registrar.drain(timeout=15)


def ack_text(reply: Reply) -> str:
    return str(json.loads(reply.body).get("text", "")) if reply.body else ""


def test_a_full_queue_answers_busy_at_once_and_keeps_what_was_typed(small_bot: RunningBot) -> None:
    bot = small_bot
    bot.fake.delay = 1.0  # every post-ack job holds the one thread for a second or more
    first = bot.slack.command("/stage", "1", user="U0001")  # running
    eventually(lambda: bot.built.registrar.post_ack.stats().running == 1)
    second = bot.slack.command("/stage", "2", user="U0002")  # queued: the one place
    started = time.perf_counter()
    refused = bot.slack.command("/coach", "export now please", user="U0003")  # no place left
    assert time.perf_counter() - started < 1.0  # answered at once, not queued
    assert first.status == second.status == refused.status == 200
    assert ack_text(first) == ack_text(second) == ""
    assert BUSY_TEXT in ack_text(refused) and "export now please" in ack_text(refused)
    # A /win with text is committed before its ack, so even now it is saved, and the ack says so.
    saved = bot.slack.command("/win", "fixed the flaky deploy", user="U0004")
    assert saved.status == 200 and "Saved" in ack_text(saved)
    with bot.db.transaction() as session:
        assert session.scalar(
            select(func.count()).select_from(BragEntry).where(BragEntry.what == "fixed the flaky deploy")
        )
    stats = bot.built.registrar.post_ack.stats()
    assert stats.rejected >= 2 and stats.capacity == 1  # the /coach, the /win answer (and profile lookups)
    assert bot.built.registrar.drain(timeout=15)
    assert bot.built.registrar.post_ack.stats().wait_max_ms >= 900  # the queued one waited for the first


def test_answers_go_before_background_work_which_gets_half_the_queue() -> None:
    executor = PostAckExecutor(workers=1, capacity=4)
    gate, order = threading.Event(), []

    def blocker() -> None:
        gate.wait()

    executor.submit("blocker", blocker)
    eventually(lambda: executor.stats().running == 1)
    executor.submit("refresh 1", lambda: order.append("refresh 1"), background=True)
    executor.submit("refresh 2", lambda: order.append("refresh 2"), background=True)
    with pytest.raises(Saturated):  # background work may fill only half the queue
        executor.submit("refresh 3", lambda: order.append("refresh 3"), background=True)
    executor.submit("answer", lambda: order.append("answer"))
    executor.submit("answer 2", lambda: order.append("answer 2"))
    with pytest.raises(Saturated):
        executor.submit("answer 3", lambda: order.append("answer 3"))
    assert executor.depth == 5 and executor.stats().rejected == 2
    gate.set()
    assert executor.shutdown(timeout=5)
    assert order == ["answer", "answer 2", "refresh 1", "refresh 2"]
    with pytest.raises(Saturated):  # a stopping app takes nothing new
        executor.submit("late", lambda: None)

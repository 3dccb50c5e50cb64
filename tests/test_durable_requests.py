"""Every acknowledged request survives kill -9: stored before its ack, resumed after a restart (issue 24).
The burst of every kind killed mid-way is tests/test_durable_kinds.py."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import BragEntry, InboxRequest, Member, StuckSession, Workspace
from bot.services import inbox
from bot.slack.registrar import drain
from bot.slack.resume import Resumer
from tests.support.bots import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.processes import BotProcess, start_process
from tests.support.slack_directory import set_status
from tests.support.waiting import eventually

LEASE_SECONDS = "1"


def dm(user: str, text: str, ts: str) -> dict[str, object]:
    return {"type": "message", "channel": f"D{user}", "channel_type": "im", "user": user, "text": text, "ts": ts}


def stored(db: Database) -> tuple[set[str], set[str]]:
    with db.transaction() as session:
        wins = set(session.scalars(select(BragEntry.what)))
        stuck = {what for what in session.scalars(select(StuckSession.what)) if what}
        return wins, stuck


def inbox_rows(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(InboxRequest)) or 0)


def uninstalled(db: Database, team: str = "T0001") -> bool:
    with db.transaction() as session:
        return session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team)) is not None


@pytest.mark.slow(seconds=6)
def test_app_uninstalled_killed_right_after_its_ack_is_applied_after_restart(
    db: Database,
    database_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
    processes: list[BotProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STAGECOACH_INBOX_LEASE_SECONDS", LEASE_SECONDS)
    bot = start_process(database_url, fake_slack, tmp_path)
    processes.append(bot)
    driver = SlackDriver(bot.url, SIGNING_SECRET, fake_slack)
    assert driver.command("/stuck", "enrol the workspace", user="U0001").status == 200
    eventually(lambda: bool(stored(db)[1]), timeout=10)
    # A burst of DMs first, so the uninstall's post-ack work waits behind them when the kill comes.
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda i: driver.event(dm(f"U3{i:03d}", f"win {i}", f"1700000001.{i:06d}")), range(20)))
        assert driver.event({"type": "app_uninstalled"}).status == 200
        bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=20)
    # Either it was applied before the kill, or it waits in the inbox: never neither.
    assert uninstalled(db) or inbox_rows(db) > 0
    restarted = start_process(database_url, fake_slack, tmp_path)
    processes.append(restarted)
    try:
        eventually(lambda: uninstalled(db), timeout=30, interval=0.2)
    except AssertionError:
        raise AssertionError(f"not applied; first run:\n{bot.output()}\nrestarted:\n{restarted.output()}") from None


def test_a_retried_event_is_dropped_after_the_first_was_done_and_the_inbox_is_left_empty(bot: RunningBot) -> None:
    event = dm("U0001", "shipped the retry-proof thing", "1700000002.000001")
    assert bot.slack.event(event, event_id="EvRETRY0001").status == 200
    assert drain()
    assert bot.slack.event(event, event_id="EvRETRY0001", retry_num=1).status == 200
    assert drain()
    with bot.db.transaction() as session:
        wins = list(session.scalars(select(BragEntry.what)))
    assert wins == ["shipped the retry-proof thing"]
    assert inbox_rows(bot.db) == 0


@pytest.mark.slow(seconds=7)
def test_one_members_flood_leaves_another_members_stage_answered(bot: RunningBot) -> None:
    # Slack answering in 0.3 s (as in bench.load_http): each DM's answer holds a worker that long.
    bot.fake.delays["chat.postMessage"] = 0.3
    bot.fake.delays["views.publish"] = 0.3

    def flood(index: int) -> None:
        bot.slack.event(dm("U0666", f"flood {index}", f"1700000003.{index:06d}"))

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(flood, index) for index in range(400)]
        # Mid-flood, another member asks for their stage.
        while sum(f.done() for f in futures) < 100:
            time.sleep(0.01)
        asked = time.monotonic()
        reply = bot.slack.command("/stage", "2", user="U0777")
        assert reply.status == 200 and "swamped" not in reply.body.decode()
        answers = bot.slack.responses(timeout=10)
        assert time.monotonic() - asked < 1.5
    assert time.monotonic() - started < 120
    text = str(answers[0])
    assert "swamped" not in text
    assert drain(60)


def _stored_command(bot: RunningBot, text: str, name: str, attempts: int) -> int:
    """A ``/stuck`` as the registrar stores it before its ack, left unfinished (its process died)."""
    _trigger, response_url = bot.fake.mint(name)
    body = {
        "team_id": "T0001",
        "user_id": "U0042",
        "command": "/stuck",
        "text": text,
        "channel_id": "C0001",
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": _trigger,
    }
    now = bot.clock()
    recorded = inbox.record(
        bot.db,
        kind="command",
        body=body,
        team_id="T0001",
        user_id="U0042",
        event_id=None,
        now=now - timedelta(minutes=1),
        lease=timedelta(seconds=30),
    )
    assert recorded.inbox_id is not None
    with bot.db.transaction() as session:
        row = session.get(InboxRequest, recorded.inbox_id)
        assert row is not None
        row.attempts = attempts
    return recorded.inbox_id


def test_an_unfinished_request_is_resumed_once_and_its_answer_sent(bot: RunningBot) -> None:
    bot.clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))
    _stored_command(bot, "the flaky deploy", "resumed", attempts=1)
    resumer = Resumer(bot.built.app, bot.deps, bot.built.registrar.post_ack)
    assert resumer.run_once() == 1
    assert drain()
    assert "the flaky deploy" in stored(bot.db)[1]
    assert bot.slack.responses("resumed")
    assert inbox_rows(bot.db) == 0
    assert resumer.run_once() == 0  # done: nothing left to resume


def test_a_request_that_failed_three_times_is_given_up_and_its_sender_told(bot: RunningBot) -> None:
    bot.clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))
    _stored_command(bot, "the poison request", "given-up", attempts=3)
    assert Resumer(bot.built.app, bot.deps, bot.built.registrar.post_ack).run_once() == 1
    assert drain()
    [told] = bot.slack.responses("given-up")
    assert "restarted while working on this" in str(told)
    assert "the poison request" not in stored(bot.db)[1]
    assert inbox_rows(bot.db) == 0


def test_two_taps_on_one_record_apply_in_the_order_they_were_sent_under_load(bot: RunningBot) -> None:
    bot.fake.delays["chat.postMessage"] = 0.05
    users = [f"U5{run:03d}" for run in range(10)]
    with ThreadPoolExecutor(24) as pool:
        load = [pool.submit(bot.slack.command, "/stage", str(i % 5 + 1), user=f"U6{i:03d}") for i in range(60)]
        taps: list[threading.Thread] = []
        for user in users:
            # Slack sends the second 60 ms after the first, without waiting for the first's ack.
            for value in ("2", "4"):
                tap = threading.Thread(target=bot.slack.click, args=(ids.STAGE_SET_MINE, value), kwargs={"user": user})
                tap.start()
                taps.append(tap)
                time.sleep(0.06)
        for future in load:
            future.result()
        for tap in taps:
            tap.join()
    assert drain(30)
    with bot.db.transaction() as session:
        rows = session.execute(select(Member.slack_user_id, Member.stage).where(Member.slack_user_id.in_(users)))
        stages = {user: stage for user, stage in rows}
    assert stages == dict.fromkeys(users, 4)


def test_an_away_status_read_at_enrolment_is_kept(bot: RunningBot) -> None:
    def users_info(params: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = bot.fake.users.get(str(params.get("user")), {})
        profile = {key: user.get(key, "") for key in ("status_emoji", "status_text")}
        return {"ok": True, "user": {"id": params.get("user"), "tz": "Europe/Paris", "profile": profile}}

    bot.fake.handlers["users.info"] = users_info
    set_status(bot.fake, "U0700", ":palm_tree:", "Vacationing")
    at = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    bot.clock.set(at)
    bot.slack.command("/stage", user="U0700")
    bot.slack.responses()
    assert drain()
    with bot.db.transaction() as session:
        away_since = session.scalar(select(Member.away_since).where(Member.slack_user_id == "U0700"))
    assert away_since == at  # the Friday prompt is held from the first day, not from the next users.list pass

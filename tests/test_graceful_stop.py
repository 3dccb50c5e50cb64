"""A real ``python -m bot`` stopped mid-burst: SIGTERM loses nothing acked; kill -9 loses nothing silently."""

from __future__ import annotations

import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import BragEntry
from tests.support.bots import SIGNING_SECRET
from tests.support.driver import SlackDriver, http_request
from tests.support.fake_slack import FakeSlack
from tests.support.processes import BotProcess, start_process

BURST = 100
SIGNAL_AFTER_ACKS = 30


@dataclass
class Sent:
    text: str
    name: str
    status: int  # 0: the connection was refused or dropped (Slack tells the sender it failed)
    body: str


def burst_with_signal(bot: BotProcess, fake: FakeSlack, signum: int) -> tuple[list[Sent], float]:
    """100 ``/win`` with text from 10 threads; ``signum`` goes to the bot after 30 acks. Returns when it exits."""
    driver = SlackDriver(bot.url, SIGNING_SECRET, fake)
    acked = threading.Semaphore(0)
    signalled_at: list[float] = []

    def send(index: int) -> Sent:
        text = f"burst win {index}: shipped the thing"
        name = f"burst{signum}-{index}"
        try:
            reply = driver.command("/win", text, user=f"U{index:04d}", response_name=name)
        except OSError:
            return Sent(text, name, 0, "")
        if reply.status == 200:
            acked.release()
        return Sent(text, name, reply.status, reply.body.decode(errors="replace"))

    def stop_mid_burst() -> None:
        for _ in range(SIGNAL_AFTER_ACKS):
            acked.acquire(timeout=20)
        signalled_at.append(time.monotonic())
        bot.process.send_signal(signum)

    stopper = threading.Thread(target=stop_mid_burst)
    stopper.start()
    with ThreadPoolExecutor(10) as pool:
        sent = list(pool.map(send, range(BURST)))
    stopper.join()
    bot.process.wait(timeout=20)
    return sent, time.monotonic() - signalled_at[0]


def stored_texts(db: Database) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(select(BragEntry.what)))


def test_sigterm_mid_burst_loses_no_acknowledged_win_and_exits_0(
    db: Database, database_url: str, fake_slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    fake_slack.set_channel_rate(None)
    bot = start_process(database_url, fake_slack, tmp_path, scheduler="on")
    processes.append(bot)
    sent, took = burst_with_signal(bot, fake_slack, signal.SIGTERM)
    assert bot.process.returncode == 0, bot.output()
    assert took < 10, f"took {took:.1f} s to stop"
    acked = [s for s in sent if s.status == 200]
    assert len(acked) >= SIGNAL_AFTER_ACKS
    # Not acked means Slack showed the sender an error: nothing silent. Acked means stored and answered.
    assert {s.status for s in sent if s.status != 200} <= {0, 503}
    stored = stored_texts(db)
    assert [s.text for s in acked if s.text not in stored] == []
    unanswered = [s.name for s in acked if not fake_slack.responses.get(s.name) and "Saved" not in s.body]
    assert unanswered == [], "acked wins whose 'saved' answer was dropped at shutdown"
    assert "stopped" in bot.output() and "Traceback" not in bot.output()


@pytest.mark.slow(seconds=7)
def test_kill_9_mid_burst_then_restart_loses_nothing_silently(
    db: Database, database_url: str, fake_slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    fake_slack.set_channel_rate(None)
    bot = start_process(database_url, fake_slack, tmp_path)
    processes.append(bot)
    sent, _ = burst_with_signal(bot, fake_slack, signal.SIGKILL)
    assert bot.process.returncode == -signal.SIGKILL
    restarted = start_process(database_url, fake_slack, tmp_path)
    processes.append(restarted)
    acked = [s for s in sent if s.status == 200]
    assert len(acked) >= SIGNAL_AFTER_ACKS
    stored = stored_texts(db)
    told_not_saved = {
        s.name for s in acked if any("nothing was saved" in json.dumps(r) for r in fake_slack.responses.get(s.name, []))
    }
    silent = [s.text for s in acked if s.text not in stored and s.name not in told_not_saved]
    assert silent == [], f"{len(silent)} acknowledged wins lost without a word"
    # The restarted bot takes new wins as before.
    after = SlackDriver(restarted.url, SIGNING_SECRET, fake_slack).command("/win", "after the restart", user="U0999")
    assert after.status == 200
    assert "after the restart" in stored_texts(db)


def test_sigint_stops_an_idle_bot_at_once_with_exit_0(
    db: Database, database_url: str, fake_slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    bot = start_process(database_url, fake_slack, tmp_path, scheduler="on")
    processes.append(bot)
    started = time.monotonic()
    bot.process.send_signal(signal.SIGINT)
    assert bot.process.wait(timeout=10) == 0, bot.output()
    assert time.monotonic() - started < 2.0  # nothing in flight: no waiting out the drain budget
    assert "Traceback" not in bot.output() and "stopped" in bot.output()
    with pytest.raises(OSError):
        http_request(f"{bot.url}/healthz")  # the port is closed

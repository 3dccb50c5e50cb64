"""Real ``python -m bot tick`` processes: two at once on one PostgreSQL, and one killed mid fan-out."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import NudgeDelivery, NudgeKind
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import enroll_many, posted_per_user, simulated_slack_clock, utc

FRIDAY_1600_NY = utc(2026, 11, 20, 21, 0)


def tick_command(at: datetime) -> list[str]:
    return [sys.executable, "-m", "bot", "tick", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")]


def tick_env(database_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-process-token",
        "SLACK_API_URL": fake.api_url,
        "LOG_LEVEL": "WARNING",
        "BOT_SCHEDULER": "off",
        **extra,
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    env.pop("SLACK_CLIENT_ID", None)
    env.pop("SLACK_CLIENT_SECRET", None)
    return env


def prompt_statuses(session: Session) -> dict[str, int]:
    query = (
        select(NudgeDelivery.status, func.count())
        .where(NudgeDelivery.kind == NudgeKind.WEEKLY_PROMPT.value)
        .group_by(NudgeDelivery.status)
    )
    return {status: int(count) for status, count in session.execute(query)}


def sent_count(summary: str) -> int:
    found = re.search(r"sent (\d+)", summary)
    assert found, summary
    return int(found.group(1))


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several processes on one database: PostgreSQL")
def test_two_processes_ticking_together_send_each_prompt_once(
    db: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    users = enroll_many(db, 300)
    simulated_slack_clock(fake_slack, FRIDAY_1600_NY)
    fake_slack.delays["chat.postMessage"] = 0.01
    env = tick_env(database_url, fake_slack, STAGECOACH_SEND_RATE="150")
    processes = [
        subprocess.Popen(
            tick_command(FRIDAY_1600_NY), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=90) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _out, err in outputs]
    assert posted_per_user(fake_slack) == Counter({"D" + user[1:]: 1 for user in users})
    per_process = [sent_count(out) for out, _err in outputs]
    assert sum(per_process) == 300
    assert all(count > 0 for count in per_process), per_process  # both really worked the same batch
    with db.transaction() as session:
        statuses = prompt_statuses(session)
    assert statuses == {"sent": 300}
    # A third tick, a minute later, finds nothing to do.
    again = subprocess.run(
        tick_command(FRIDAY_1600_NY + timedelta(minutes=1)), env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0 and sent_count(again.stdout) == 0


@pytest.mark.slow
def test_a_tick_killed_mid_fan_out_completes_without_duplicates_after_restart(
    db: Database, database_url: str, fake_slack: FakeSlack
) -> None:
    users = enroll_many(db, 200)
    simulated_slack_clock(fake_slack, FRIDAY_1600_NY)
    # Every answer is slow (50 ms after the message landed), so at any moment several messages
    # have reached "Slack" without the bot knowing yet: a kill leaves rows whose fate is unknown.
    fake_slack.delays["chat.postMessage"] = 0.05
    env = tick_env(database_url, fake_slack, STAGECOACH_SEND_RATE="100", STAGECOACH_DELIVERY_LEASE_SECONDS="60")
    process = subprocess.Popen(
        tick_command(FRIDAY_1600_NY), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while sum(posted_per_user(fake_slack).values()) < 80:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the fan-out did not get going"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
    time.sleep(0.2)  # let answers already on their way finish
    landed_before = sum(posted_per_user(fake_slack).values())
    with db.transaction() as session:
        statuses = prompt_statuses(session)
    assert 0 < statuses.get("sent", 0) < 200
    assert landed_before >= statuses["sent"]
    assert statuses.get("sending", 0) >= 1  # claimed when killed: may or may not have landed
    # Restarted after the lease (60 s) expired.
    restart = subprocess.run(
        tick_command(FRIDAY_1600_NY + timedelta(minutes=2)), env=env, capture_output=True, text=True, timeout=120
    )
    assert restart.returncode == 0, restart.stderr
    assert posted_per_user(fake_slack) == Counter({"D" + user[1:]: 1 for user in users})
    assert sent_count(restart.stdout) == 200 - statuses.get("sent", 0)
    # Rows claimed at the kill were checked against the DM's history, not blindly re-sent.
    assert len(fake_slack.calls_to("conversations.history")) == statuses["sending"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 200
    with db.transaction() as session:
        assert prompt_statuses(session) == {"sent": 200}

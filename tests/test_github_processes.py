"""Two real ``python -m bot tick`` processes finding the same week on one PostgreSQL: each member's week is
read from GitHub once, stored once and offered in one message."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select, update

from bot.db.engine import Database
from bot.db.models import ConnectedAccount, FoundItem, Member
from tests.support.clock import Clock
from tests.support.fake_github import CLIENT_ID, CLIENT_SECRET, FakeGitHub, PullRequest, Review, Token
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import LONG_AGO, enroll_many, simulated_slack_clock, utc

FOUND_DUE = utc(2026, 11, 20, 21, 5)
"""Friday 16:00 in New York (21:00 UTC) plus the 5 minutes the found message follows the prompt."""
MEMBERS = 60


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several processes on one database: PostgreSQL")
def test_two_tick_processes_find_each_members_week_once(db: Database, database_url: str, fake_slack: FakeSlack) -> None:
    github = FakeGitHub(Clock(FOUND_DUE)).start()
    github.delay = 0.2  # 60 queries on 8 workers: about 1.5 s of work, so both processes are mid-fan-out at once
    key = Fernet.generate_key().decode()
    fernet = Fernet(key.encode())
    users = enroll_many(db, MEMBERS)
    with db.transaction() as session:
        ids = {user: member for user, member in session.execute(select(Member.slack_user_id, Member.id))}
    rows = []
    for index, user in enumerate(users):
        login, colleague = f"dev{index}", f"dev{(index + 1) % MEMBERS}"
        github.user(login)
        token = f"gho_proc{index:04d}"
        github.tokens[token] = Token(login, "")
        github.pulls.append(PullRequest(f"Change {index}", "acme/app", login, merged_at=FOUND_DUE - timedelta(days=2)))
        github.pulls.append(
            PullRequest(
                f"Colleague {index}",
                "acme/app",
                colleague,
                merged_at=FOUND_DUE - timedelta(days=1),
                reviews=[Review(login, FOUND_DUE - timedelta(days=3))],
            )
        )
        rows.append(
            {
                "member_id": ids[user],
                "source": "github",
                "external_id": str(github.users[login]),  # the id GitHub gave at connect
                "login": login,
                "token_ciphertext": fernet.encrypt(token.encode()).decode(),
                "scopes": "",
                "connected_at": LONG_AGO,
            }
        )
    with db.transaction() as session:
        session.execute(insert(ConnectedAccount), rows)
        # Only the found message: the weekly prompt is another test's.
        session.execute(update(Member).values(weekly_prompt_enabled=False))
    simulated_slack_clock(fake_slack, FOUND_DUE)
    env = {
        **{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-process-token",
        "SLACK_API_URL": fake_slack.api_url,
        "LOG_LEVEL": "WARNING",
        "BOT_SCHEDULER": "off",
        "STAGECOACH_SEND_RATE": "200",
        "GITHUB_CLIENT_ID": CLIENT_ID,
        "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
        "GITHUB_BASE_URL": github.base_url,
        "GITHUB_API_URL": github.api_url,
        "TOKEN_ENCRYPTION_KEY": key,
    }
    command = [sys.executable, "-m", "bot", "tick", "--at", FOUND_DUE.strftime("%Y-%m-%dT%H:%M:%SZ")]
    try:
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        github.stop()
    assert [process.returncode for process in processes] == [0, 0], [err for _out, err in outputs]
    sent = [int(re.search(r"sent (\d+)", out).group(1)) for out, _err in outputs]  # type: ignore[union-attr]
    assert sum(sent) == MEMBERS and all(count > 0 for count in sent), sent  # both worked the same week
    queries = Counter(call.token for call in github.api_calls("/api/graphql"))
    assert len(queries) == MEMBERS and set(queries.values()) == {1}  # one query per token, across both processes
    found_messages = Counter(
        call.params["channel"]
        for call in fake_slack.calls_to("chat.postMessage")
        if "Found on GitHub" in str(call.params.get("text"))
    )
    assert found_messages == Counter({user: 1 for user in users})
    with db.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(FoundItem)) == 3 * MEMBERS
        )  # their change, the colleague PR they authored, their review
        offered_in = session.execute(
            select(FoundItem.member_id, func.count(func.distinct(FoundItem.offered_in))).group_by(FoundItem.member_id)
        ).all()
    assert {count for _member, count in offered_in} == {1}

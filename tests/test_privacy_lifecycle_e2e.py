"""A workspace's data over its life: uninstall, reinstall, retention, and delete-my-data down to the disk."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.models import BragEntry, Member, NudgeDelivery, StuckSession, Workspace
from bot.slack.registrar import drain
from tests.support.bots import RunningBot
from tests.support.brag import buttons
from tests.support.driver import block_texts
from tests.support.nudges import dms, tick, utc
from tests.support.waiting import eventually

FRIDAY_1600_NY = utc(2026, 11, 20, 21, 0)


def uninstalled_at(bot: RunningBot, team: str = "T0001") -> object:
    with bot.db.transaction() as session:
        return session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team))


def uninstall(bot: RunningBot, team: str = "T0001") -> None:
    assert bot.slack.event({"type": "app_uninstalled"}, team=team).status == 200
    eventually(lambda: uninstalled_at(bot, team) is not None)


def prompted(bot: RunningBot, user: str) -> bool:
    return any(
        (p.get("metadata") or {}).get("event_type") == "stagecoach_nudge" and "win" in str(p.get("text", "")).lower()
        for p in dms(bot.fake, user)
    )


def test_reinstall_resumes_nudges_for_members_enrolled_before_the_uninstall(bot: RunningBot) -> None:
    bot.clock.set(utc(2026, 11, 16, 12, 0))
    for user in ("U0001", "U0002"):  # each sets a stage: weekly prompts are for people who did (issue #22)
        bot.slack.click(ids.STAGE_SET_MINE, "2", user=user)
        bot.slack.responses()
    assert drain()
    bot.clock.set(utc(2026, 11, 17, 12, 0))
    uninstall(bot)

    tick(bot.deps, FRIDAY_1600_NY)
    assert dms(bot.fake, "U0001") == [] and dms(bot.fake, "U0002") == []

    # Slack sends requests only to an installed app: U0001 using it again means it is back.
    bot.clock.set(utc(2026, 11, 25, 12, 0))
    bot.slack.command("/stage", user="U0001")
    bot.slack.responses()
    assert uninstalled_at(bot) is None
    bot.fake.reset()

    tick(bot.deps, FRIDAY_1600_NY + timedelta(days=7))
    # U0002 has not used the bot since the uninstall and still gets the weekly prompt.
    assert prompted(bot, "U0002") and prompted(bot, "U0001")


def rows_of(bot: RunningBot, team: str) -> dict[str, int]:
    with bot.db.transaction() as session:
        workspace_ids = select(Workspace.id).where(Workspace.team_id == team)
        member_ids = select(Member.id).where(Member.workspace_id.in_(workspace_ids))
        counted = {
            "workspaces": select(func.count()).select_from(Workspace).where(Workspace.team_id == team),
            "members": select(func.count()).select_from(Member).where(Member.workspace_id.in_(workspace_ids)),
            "brag_entries": select(func.count()).select_from(BragEntry).where(BragEntry.member_id.in_(member_ids)),
            "stuck_sessions": select(func.count())
            .select_from(StuckSession)
            .where(StuckSession.member_id.in_(member_ids)),
            "nudge_deliveries": select(func.count())
            .select_from(NudgeDelivery)
            .where(NudgeDelivery.workspace_id.in_(workspace_ids)),
        }
        return {name: int(session.scalar(query) or 0) for name, query in counted.items()}


def sqlite_bytes(bot: RunningBot) -> bytes:
    """The SQLite database file as it lies on disk, with its WAL and rollback journal if any."""
    database = Path(str(bot.db.engine.url.database))
    return b"".join(
        path.read_bytes() for path in (database, Path(f"{database}-wal"), Path(f"{database}-journal")) if path.exists()
    )


def test_every_row_of_a_workspace_goes_after_the_retention_period_and_not_before(bot: RunningBot) -> None:
    assert bot.deps.settings.stagecoach_uninstall_retention_days == 30
    bot.clock.set(utc(2026, 11, 1, 12, 0))
    bot.slack.command("/win", "retention-check kestrel-8812", user="U0001")
    bot.slack.command("/stuck", "the flaky deploy", user="U0001")
    bot.slack.command("/win", "other workspace keeps this", user="U0009", team="T0002")
    assert drain()
    tick(bot.deps, utc(2026, 11, 1, 13, 0))  # the stuck nudge goes out: a ledger row too
    uninstall_time = utc(2026, 11, 2, 0, 0)
    bot.clock.set(uninstall_time)
    uninstall(bot)
    before = rows_of(bot, "T0001")
    assert all(before.values()), before
    other = rows_of(bot, "T0002")

    tick(bot.deps, uninstall_time + timedelta(days=29))
    assert rows_of(bot, "T0001") == before  # within retention: everything stays, a reinstall resumes

    tick(bot.deps, uninstall_time + timedelta(days=31))
    assert set(rows_of(bot, "T0001").values()) == {0}
    kept = ("workspaces", "members", "brag_entries")  # (T0002's ledger grows with its own ticks)
    assert {name: rows_of(bot, "T0002")[name] for name in kept} == {name: other[name] for name in kept}
    if bot.db.backend == "sqlite":
        assert b"kestrel-8812" not in sqlite_bytes(bot)


def test_delete_my_data_leaves_no_trace_in_the_database_file(bot: RunningBot) -> None:
    if bot.db.backend != "sqlite":
        pytest.skip("reads the SQLite file's bytes (PostgreSQL deletes the rows; its files are the server's)")
    user = "UERASE0042"
    texts = ["okapi-ledger-7731 shipped", "narwhal-budget-4410 closed", "quokka-timer-5512"]
    bot.slack.command("/win", texts[0], user=user)
    bot.slack.command("/win", texts[1], user=user)
    bot.slack.command("/stuck", texts[2], user=user)
    bot.slack.command("/coach", "manager <@UBOSS9|boss>", user=user)
    bot.slack.command("/win", "a teammate's own win", user="UKEEP0042")
    assert drain()
    on_disk = sqlite_bytes(bot)
    # The check below can see what it looks for: before the deletion it is on disk (file or WAL).
    assert user.encode() in on_disk and all(text.encode() in on_disk for text in texts)

    bot.slack.command("/coach", "delete-my-data", user=user, response_name="ask")
    question = bot.slack.responses("ask")[0]
    asked = block_texts(question)
    assert "in this workspace" in asked and "2 wins" in asked and "1 stuck timer" in asked
    [confirm] = [b for b in buttons(question) if b["action_id"] == ids.DELETE_MY_DATA_CONFIRM]
    bot.slack.click(ids.DELETE_MY_DATA_CONFIRM, confirm["value"], user=user, response_name="done")
    assert "I hold nothing about you now" in block_texts(bot.slack.responses("done")[0])
    assert drain()

    on_disk = sqlite_bytes(bot)
    assert user.encode() not in on_disk
    for text in texts:
        assert text.encode() not in on_disk, text
    assert b"a teammate's own win" in on_disk  # other people's data stays
    with bot.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Member).where(Member.slack_user_id == user)) == 0
        assert session.scalars(select(NudgeDelivery.kind).where(NudgeDelivery.recipient_id == user)).all() == []


def test_delete_my_data_with_a_reader_open_answers_at_once_and_scrubs_once_the_read_ends(bot: RunningBot) -> None:
    if bot.db.backend != "sqlite":
        pytest.skip("reads the SQLite file's bytes (PostgreSQL deletes the rows; its files are the server's)")
    user = "UREADER042"
    bot.slack.command("/win", "pangolin-rota-3391 shipped", user=user)
    assert drain()
    bot.slack.command("/coach", "delete-my-data", user=user, response_name="ask-reader")
    [confirm] = [
        b for b in buttons(bot.slack.responses("ask-reader")[0]) if b["action_id"] == ids.DELETE_MY_DATA_CONFIRM
    ]
    # Another connection (a backup, an operator's sqlite3 shell) is in the middle of a read.
    reader = sqlite3.connect(str(bot.db.engine.url.database))
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM brag_entries").fetchone()
    started = time.monotonic()
    bot.slack.click(ids.DELETE_MY_DATA_CONFIRM, confirm["value"], user=user, response_name="done-reader")
    assert "I hold nothing about you now" in block_texts(bot.slack.responses("done-reader", timeout=10)[0])
    assert time.monotonic() - started < 5  # it waited 30 s for the reader before
    reader.rollback()
    reader.close()
    # Once the read is over, the background checkpoint empties the WAL within a few seconds.
    eventually(lambda: b"pangolin-rota-3391" not in sqlite_bytes(bot), timeout=10, interval=0.2)
    assert user.encode() not in sqlite_bytes(bot)

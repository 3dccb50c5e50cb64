"""Alembic owns the schema: upgrade to head, downgrade to base, and no drift from the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.db.engine import make_engine
from bot.db.migrate import alembic_config, at_head, downgrade_to_base, script_head, upgrade_to_head
from bot.db.models import Base


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_to_head_creates_every_model_table(scratch_database: str) -> None:
    upgrade_to_head(scratch_database)
    assert set(Base.metadata.tables) <= _tables(scratch_database)


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(scratch_database: str) -> None:
    upgrade_to_head(scratch_database)
    downgrade_to_base(scratch_database)
    assert _tables(scratch_database) <= {"alembic_version"}
    upgrade_to_head(scratch_database)
    assert set(Base.metadata.tables) <= _tables(scratch_database)


def test_models_and_migrations_do_not_drift(scratch_database: str) -> None:
    upgrade_to_head(scratch_database)
    engine = make_engine(scratch_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_one_head_and_dated_revision_files() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        filename = revision.path.rsplit("/", 1)[-1]
        assert filename[:4].isdigit() and filename[4] == "_", filename


def test_the_head_read_from_the_files_is_alembics_and_start_up_skips_alembic_only_at_it(scratch_database: str) -> None:
    """Start-up checks the version table itself (Alembic's import is ~0.12 s): it must agree with Alembic."""
    [head] = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert script_head() == head
    assert not at_head(scratch_database)  # empty: no version table
    upgrade_to_head(scratch_database)
    assert at_head(scratch_database)
    command.downgrade(alembic_config(scratch_database), "-1")
    assert not at_head(scratch_database)  # one revision behind
    upgrade_to_head(scratch_database)
    assert at_head(scratch_database) and set(Base.metadata.tables) <= _tables(scratch_database)


def test_the_ledger_migration_converts_states_period_keys_and_leases_both_ways(scratch_database: str) -> None:
    """0016: pending is due, period keys become payloads, a lease moves to next_attempt_at; markers go."""
    config = alembic_config(scratch_database)
    command.upgrade(config, "0015")
    engine = make_engine(scratch_database)
    t0, lease_end = datetime(2026, 11, 20, 21, 0, tzinfo=UTC), datetime(2026, 11, 20, 21, 5, tzinfo=UTC)
    legacy = [
        ("weekly_prompt", "U1", "2026-W47-snooze-20261120T2100Z", "pending", None),
        ("stuck", "U1", "stuck-12-1", "sending", lease_end),
        ("review_rating", "UM", "rating-2027-03-01-m5", "sent", None),
        ("digest", "CTEAM", "2026-W47:UM:p2", "pending", None),
        ("tz_refresh", "T0001", "2026-11-20", "sent", None),
    ]
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO workspaces (id, team_id, created_at) VALUES (1, 'T0001', :t)"), {"t": t0}
            )
            for kind, recipient, key, status, lease in legacy:
                connection.execute(
                    text(
                        "INSERT INTO nudge_deliveries (workspace_id, kind, recipient_id, period_key, due_at, status, "
                        "attempts, next_attempt_at, claim_expires_at, created_at) "
                        "VALUES (1, :kind, :recipient, :key, :t, :status, 0, :t, :lease, :t)"
                    ),
                    {"kind": kind, "recipient": recipient, "key": key, "status": status, "lease": lease, "t": t0},
                )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            rows = {
                row.kind: row
                for row in connection.execute(
                    text(
                        "SELECT kind, status, payload, priority, next_attempt_at, attempt_started_at "
                        "FROM nudge_deliveries"
                    )
                )
            }
        assert set(rows) == {"weekly_prompt", "stuck", "review_rating", "digest"}
        payloads = {
            kind: row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
            for kind, row in rows.items()
        }
        assert payloads == {
            "weekly_prompt": {"week": 47, "snoozed": True},
            "stuck": {"session_id": 12, "extensions": 1},
            "review_rating": {"review_date": "2027-03-01", "conversation_id": 5},
            "digest": {"manager_user_id": "UM", "page": 2},
        }
        assert {kind: row.status for kind, row in rows.items()} == {
            "weekly_prompt": "due",
            "stuck": "sending",
            "review_rating": "sent",
            "digest": "due",
        }
        assert (rows["stuck"].priority, rows["weekly_prompt"].priority) == (10, 50)
        stuck = rows["stuck"]
        assert _utc(stuck.next_attempt_at) == lease_end and _utc(stuck.attempt_started_at) == t0
        command.downgrade(config, "0015")
        with engine.connect() as connection:
            back = {
                row.kind: row
                for row in connection.execute(
                    text("SELECT kind, status, next_attempt_at, claim_expires_at FROM nudge_deliveries")
                )
            }
        assert {kind: row.status for kind, row in back.items()} == {
            "weekly_prompt": "pending",
            "stuck": "sending",
            "review_rating": "sent",
            "digest": "pending",
        }
        assert _utc(back["stuck"].next_attempt_at) == t0 and _utc(back["stuck"].claim_expires_at) == lease_end
        assert back["digest"].claim_expires_at is None
    finally:
        engine.dispose()


def _utc(value: datetime | str) -> datetime:
    """SQLite hands datetimes back as strings; PostgreSQL as aware datetimes."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def test_the_evidence_migration_turns_the_stuck_flows_own_evidence_back_into_a_suggestion(
    scratch_database: str,
) -> None:
    """0018_evidence: a win the stuck flow saved by itself keeps its text, but its evidence was never picked."""
    config = alembic_config(scratch_database)
    command.upgrade(config, "0017")
    engine = make_engine(scratch_database)
    t0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO workspaces (id, team_id, created_at) VALUES (1, 'T0001', :t)"), {"t": t0}
            )
            connection.execute(
                text(
                    "INSERT INTO members (id, workspace_id, slack_user_id, timezone, timezone_from_slack, "
                    "default_visibility, weekly_prompt_enabled, prompt_weekday, prompt_minute, stuck_nudges_enabled, "
                    "review_reminders_enabled, enrolled_at, last_seen_at, stage) "
                    "VALUES (:id, 1, :user, 'UTC', true, 'private', true, 4, 960, true, true, :t, :t, :stage)"
                ),
                [{"id": 1, "user": "U1", "t": t0, "stage": 1}, {"id": 2, "user": "U2", "t": t0, "stage": 2}],
            )
            for entry_id, member_id, source in ((1, 1, "stuck"), (2, 1, "command"), (3, 2, "stuck")):
                connection.execute(
                    text(
                        "INSERT INTO brag_entries (id, member_id, what, visibility, source, created_at, updated_at) "
                        "VALUES (:id, :member, 'asked early', 'private', :source, :t, :t)"
                    ),
                    {"id": entry_id, "member": member_id, "source": source, "t": t0},
                )
                connection.execute(
                    text(
                        "INSERT INTO brag_evidence (entry_id, evidence_key) VALUES (:id, 's1-minimal-back-and-forth')"
                    ),
                    {"id": entry_id},
                )
        command.upgrade(config, "0018_evidence")
        with engine.connect() as connection:
            evidence = connection.execute(text("SELECT entry_id FROM brag_evidence ORDER BY entry_id")).all()
            entries = connection.execute(
                text("SELECT id, suggested_evidence, growth_signal_chosen FROM brag_entries ORDER BY id")
            ).all()
        assert [row[0] for row in evidence] == [2]  # the person's own pick (a /win) stays
        assert [(row[0], row[1], bool(row[2])) for row in entries] == [
            (1, "s1-minimal-back-and-forth", False),  # Stage 1: its own stage's criterion, now a suggestion
            (2, None, False),
            (3, None, False),  # Stage 2: another stage's criterion, dropped
        ]
        command.downgrade(config, "0017")
        with engine.connect() as connection:  # no table rebuild either way: confirmed evidence survives
            kept = connection.execute(text("SELECT entry_id FROM brag_evidence")).all()
        assert [row[0] for row in kept] == [2]
    finally:
        engine.dispose()

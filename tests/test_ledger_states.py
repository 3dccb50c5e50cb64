"""A ledger row's state is a column (``reason``), not a prefix of ``last_error``: the migration converts the
rows already there both ways, and the outcomes the bot records set it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import text

from bot.db.engine import Database, make_engine
from bot.db.migrate import alembic_config
from bot.db.models import DeliveryReason, NudgeKind
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import dms, enroll, ledger_rows, make_deps, tick, utc
from tests.support.slack_directory import clear_status, set_status, users_list_with_statuses

T0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
LEGACY = [
    ("held-paused", "due", "held: paused", "paused"),
    ("held-away", "due", "held: away", "away"),
    ("held-hours", "due", "held: outside working days or quiet hours", "quiet"),
    ("github", "due", "GitHub rate limit", "deferred"),
    ("refused", "due", "rate limited", "retry"),
    ("planned", "due", None, None),
    ("uncertain", "sending", "uncertain: HTTP 503", "uncertain"),
    ("missed", "skipped", "missed: due 2026-11-20T09:00:00+00:00, planned 2026-11-21T09:00:00+00:00", "missed"),
    ("time-off", "skipped", "time off: away", "time_off"),
    ("sent", "sent", None, None),
]


def test_the_migration_gives_existing_rows_their_reason_and_downgrading_drops_it(scratch_database: str) -> None:
    config = alembic_config(scratch_database)
    command.upgrade(config, "0025_shared_rate")
    engine = make_engine(scratch_database)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO workspaces (id, team_id, created_at) VALUES (1, 'T0001', :t)"), {"t": T0}
            )
            for key, status, error, _reason in LEGACY:
                connection.execute(
                    text(
                        "INSERT INTO nudge_deliveries (workspace_id, kind, recipient_id, period_key, due_at, payload, "
                        "status, priority, attempts, next_attempt_at, last_error, created_at) "
                        "VALUES (1, 'review_reminder', 'U1', :key, :t, '{}', :status, 40, 1, :t, :error, :t)"
                    ),
                    {"key": key, "status": status, "error": error, "t": T0},
                )
        command.upgrade(config, "0026_ledger_states")
        with engine.connect() as connection:
            found = {
                row[0]: row[1] for row in connection.execute(text("SELECT period_key, reason FROM nudge_deliveries"))
            }
        assert found == {key: reason for key, _status, _error, reason in LEGACY}
        command.downgrade(config, "0025_shared_rate")
        with engine.connect() as connection:
            columns = list(connection.execute(text("SELECT * FROM nudge_deliveries")).keys())
            errors = {
                row[0]: row[1]
                for row in connection.execute(text("SELECT period_key, last_error FROM nudge_deliveries"))
            }
        assert "reason" not in columns
        assert errors == {key: error for key, _status, error, _reason in LEGACY}
    finally:
        engine.dispose()


def test_a_hold_is_recorded_as_its_reason_and_released_by_the_nudge_pass_once_the_member_is_back(
    db: Database, database_url: str, fake_slack: FakeSlack, content: Any
) -> None:
    users_list_with_statuses(fake_slack)
    deps = make_deps(db, database_url, fake_slack, content)
    enroll(db, "U1", "America/New_York", review_date=date(2026, 11, 18))  # the 2-day packet: Mon 16 Nov 09:00
    set_status(fake_slack, "U1", ":palm_tree:", "Vacationing")
    tick(deps, utc(2026, 11, 12, 12, 0))
    tick(deps, utc(2026, 11, 16, 14, 0))
    [held] = [row for row in ledger_rows(db, NudgeKind.REVIEW_REMINDER.value) if row.period_key.endswith("-2d")]
    assert (held.status, held.reason, held.last_error) == ("due", DeliveryReason.AWAY, "held: away")
    # Held with no end to the status: looked at again a day later, unless the member is back before.
    assert held.next_attempt_at > utc(2026, 11, 16, 14, 0) + timedelta(hours=12)
    clear_status(fake_slack, "U1")
    tick(deps, utc(2026, 11, 16, 14, 30))  # the status pass sees it cleared; the nudge pass releases and sends
    [sent] = [row for row in ledger_rows(db, NudgeKind.REVIEW_REMINDER.value) if row.period_key.endswith("-2d")]
    assert (sent.status, sent.reason) == ("sent", None)
    assert len(dms(fake_slack, "U1")) == 1

"""The tick prunes finished ledger rows older than STAGECOACH_LEDGER_RETENTION_DAYS, in bounded batches, and
planning never puts such an old occurrence back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from bot.db.engine import Database
from bot.db.models import DeliveryStatus, NudgeDelivery, NudgeKind
from bot.tick import run
from tests.support.nudges import enroll, ledger_rows, tick, utc, workspace_id

AT = utc(2026, 11, 18, 15, 0)
RETENTION = timedelta(days=180)
WEEKLY = NudgeKind.WEEKLY_PROMPT.value


def _row(db: Database, member_id: int, key: str, due_at: datetime, status: DeliveryStatus) -> None:
    with db.transaction() as session:
        session.add(
            NudgeDelivery(
                workspace_id=workspace_id(db),
                member_id=member_id,
                kind=WEEKLY,
                recipient_id="U1",
                period_key=key,
                due_at=due_at,
                payload={},
                status=status,
                priority=50,
                attempts=1,
                # A held row is due again only later: never claimed by these ticks.
                next_attempt_at=AT + timedelta(days=1),
                created_at=due_at,
            )
        )


def test_finished_rows_past_the_retention_go_in_bounded_batches_and_nothing_else_does(
    db: Database, deps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert deps.settings.stagecoach_ledger_retention_days == RETENTION.days
    member = enroll(db, "U1", prompts_chosen_at=None)  # no weekly prompt of its own: only the rows below
    old = AT - RETENTION - timedelta(minutes=1)
    statuses = [DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED]
    for n in range(25):
        _row(db, member, f"old-{n}", old - timedelta(days=n), statuses[n % 3])
    _row(db, member, "old-but-held", old, DeliveryStatus.DUE)
    _row(db, member, "recent", AT - RETENTION + timedelta(hours=1), DeliveryStatus.SENT)
    monkeypatch.setattr(run, "PRUNE_BATCH", 10)
    monkeypatch.setattr(run, "PRUNE_BATCHES", 2)

    assert tick(deps, AT).pruned == 20  # two batches of ten, then the next tick
    assert len(ledger_rows(db, WEEKLY)) == 7
    assert tick(deps, AT + timedelta(minutes=1)).pruned == 5
    assert sorted(row.period_key for row in ledger_rows(db, WEEKLY)) == ["old-but-held", "recent"]
    assert tick(deps, AT + timedelta(minutes=2)).pruned == 0


def test_an_occurrence_older_than_the_retention_is_not_planned_again_after_its_row_is_pruned(
    db: Database, deps: Any
) -> None:
    # A review date long past stays set: its reminders are planned (as missed) every tick until one exists.
    enroll(db, "U1", prompts_chosen_at=None, review_date=date(2026, 4, 1))
    enroll(db, "U2", prompts_chosen_at=None, review_date=date(2026, 11, 25))
    tick(deps, AT)
    reminders = ledger_rows(db, NudgeKind.REVIEW_REMINDER.value)
    # U1's reminders fell due in March 2026, beyond the 180 days: never planned, so never pruned and planned
    # again each minute. U2's first reminders (14 and 7 days before) are within the retention and due.
    assert reminders and {row.recipient_id for row in reminders} == {"U2"}
    assert all(row.due_at >= AT - RETENTION for row in reminders)
    assert tick(deps, AT + timedelta(minutes=1)).pruned == 0
    assert len(ledger_rows(db, NudgeKind.REVIEW_REMINDER.value)) == len(reminders)

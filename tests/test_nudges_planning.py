"""Planning proportional to what fell due (issue 25): the weekly planner reads only members whose prompt
fell due, in bounded batches, and a schedule change re-plans just that member."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Member, NudgeDelivery, NudgeKind
from bot.nudges import registry
from bot.nudges.kinds import weekly_prompt
from bot.nudges.registry import plan_all
from bot.nudges.types import Batch, Context
from tests.support.nudges import enroll_many, utc

FRIDAY_1600_NY = utc(2026, 11, 20, 21, 0)
NEXT_FRIDAY_1600_NY = utc(2026, 11, 27, 21, 0)
WEEKLY = NudgeKind.WEEKLY_PROMPT.value


def weekly_rows(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).where(NudgeDelivery.kind == WEEKLY)) or 0)


def plan_weekly(db: Database, deps: Any, at: Any) -> Batch:
    with db.transaction() as session:
        return weekly_prompt.plan(session, Context(deps.content, deps.settings, at))


def test_a_first_plan_goes_in_bounded_batches_and_a_re_plan_reads_nothing(
    db: Database, deps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(weekly_prompt, "BATCH", 300)
    enroll_many(db, 1000)
    batches: list[int] = []
    plan = weekly_prompt.plan

    def counting(session: Any, ctx: Context) -> Batch:
        batch = plan(session, ctx)
        batches.append(len(batch))
        return batch

    kinds = [replace(t, plan=counting) if t.kind == WEEKLY else t for t in registry.NUDGE_TYPES]
    monkeypatch.setattr(registry, "NUDGE_TYPES", kinds)
    planned, skipped = plan_all(deps, FRIDAY_1600_NY)
    assert planned.get(WEEKLY) == 1000 and skipped == 0
    assert batches == [300, 300, 300, 100]  # four transactions, none holding more than 300 members
    assert weekly_rows(db) == 1000
    with db.transaction() as session:
        due = set(session.scalars(select(Member.prompt_due_at)))
    assert due == {NEXT_FRIDAY_1600_NY}  # each member's next occurrence
    # A minute later nothing fell due: the planner reads no member at all.
    again = plan_weekly(db, deps, utc(2026, 11, 20, 21, 1))
    assert list(again) == [] and not again.more
    # A week later every member is due again, once.
    assert plan_all(deps, NEXT_FRIDAY_1600_NY)[0].get(WEEKLY) == 1000
    assert weekly_rows(db) == 2000


def test_a_schedule_change_re_plans_only_that_member(db: Database, deps: Any) -> None:
    users = enroll_many(db, 50)
    plan_all(deps, FRIDAY_1600_NY)
    assert weekly_rows(db) == 50
    with db.transaction() as session:
        member = session.scalars(select(Member).where(Member.slack_user_id == users[7])).one()
        member.prompt_minute = 17 * 60  # 17:00 from now on: any change to the schedule clears prompt_due_at
        assert member.prompt_due_at is None
    batch = plan_weekly(db, deps, utc(2026, 11, 20, 21, 5))
    assert [p.recipient_id for p in batch] == [users[7]]  # re-planned alone
    assert plan_all(deps, utc(2026, 11, 20, 21, 6))[0].get(WEEKLY) is None
    with db.transaction() as session:
        due = session.scalar(select(Member.prompt_due_at).where(Member.slack_user_id == users[7]))
    assert due == utc(2026, 11, 20, 22, 0)  # today 17:00 New York: looked at again then
    # Then: this week's prompt (2026-W47) already went at 16:00; the week is the key, so not a second one.
    assert plan_all(deps, utc(2026, 11, 20, 22, 0))[0].get(WEEKLY) is None
    assert weekly_rows(db) == 50
    with db.transaction() as session:
        due = session.scalar(select(Member.prompt_due_at).where(Member.slack_user_id == users[7]))
    assert due == utc(2026, 11, 27, 22, 0)  # next Friday 17:00 New York

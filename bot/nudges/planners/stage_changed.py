"""When a report's stage changes, their manager is told what changes for them (the tick after).

Period key ``stage-<member id>-<from>-<to>-<unix time of the change>``: each change once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeKind
from bot.nudges.planners import installed_members
from bot.nudges.types import Context, PlannedNudge

KIND = NudgeKind.STAGE_CHANGED.value
GRACE = timedelta(days=2)


def period_key(member_id: int, before: int, after: int, changed_at_epoch: int) -> str:
    return f"stage-{member_id}-{before}-{after}-{changed_at_epoch}"


@dataclass(frozen=True)
class Payload:
    member_id: int
    before: int
    after: int


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    rows = session.execute(
        installed_members(
            Member.id,
            Member.workspace_id,
            Member.manager_slack_user_id,
            Member.previous_stage,
            Member.stage,
            Member.stage_set_at,
        ).where(
            Member.manager_slack_user_id.is_not(None),
            Member.previous_stage.is_not(None),
            Member.stage.is_not(None),
            Member.stage_set_at >= ctx.now - GRACE,
        )
    )
    planned = []
    for member_id, workspace_id, manager_id, before, after, changed_at in rows:
        if before is None or after is None or before == after or changed_at is None or changed_at > ctx.now:
            continue
        if manager_id is None:
            continue
        key = period_key(member_id, int(before), int(after), int(changed_at.timestamp()))
        payload = Payload(member_id, int(before), int(after))
        planned.append(PlannedNudge(workspace_id, member_id, manager_id, key, changed_at, payload))
    return planned

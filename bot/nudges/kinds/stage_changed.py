"""When a report's stage changes, their manager is told what changes for them (the tick after).

Period key ``stage-<member id>-<UTC day of the change>``: one note a day per report at most. Keyed by the
change's time, flipping ``/stage`` 1 and 2 sent the manager 8 notes in 8 minutes (issue 24); now the first
change of a day is told (if it still stands when sent) and the day's later flips are not.

The note (what the roadmap changes for the manager) is built at send time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.ratings import stage_changed_message
from bot.db.models import Member, NudgeKind
from bot.nudges.kinds import installed_members
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services import notices

KIND = NudgeKind.STAGE_CHANGED.value
GRACE = timedelta(days=2)


def period_key(member_id: int, changed_at: datetime) -> str:
    return f"stage-{member_id}-{changed_at.astimezone(UTC).date().isoformat()}"


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
        key = period_key(member_id, changed_at)
        payload = Payload(member_id, int(before), int(after))
        planned.append(PlannedNudge(workspace_id, member_id, manager_id, key, changed_at, payload))
    return planned


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
    member_id, before, after = planned.member_id, planned.before, planned.after
    member = session.get(Member, member_id)
    if member is None or member.manager_slack_user_id != row.recipient_id:
        return Skip("the report no longer names this manager")
    if member.stage != after or not (1 <= before <= 5 and 1 <= after <= 5):
        return Skip("the stage changed again since")
    if notices.muted(session, workspace_id=member.workspace_id, recipient=row.recipient_id, about=member.slack_user_id):
        return Skip("the manager asked for no messages about this report")
    payload = stage_changed_message(member.slack_user_id, ctx.content.stage(before), ctx.content.stage(after))
    return Message(text=payload["text"], blocks=payload["blocks"])


TYPE = NudgeType(KIND, plan, render, GRACE, priority=45, payload=Payload)

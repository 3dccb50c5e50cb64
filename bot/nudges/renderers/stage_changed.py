"""The manager's note when a report's stage changes: what the roadmap changes for them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.ratings import stage_changed_message
from bot.db.models import Member
from bot.nudges.planners.stage_changed import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload
from bot.services import notices


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
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

"""The stuck nudge, built at send time: nothing goes out for a session already closed or extended."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.nudges import stuck_nudge_message
from bot.db.models import Member, StuckSession, StuckStatus
from bot.nudges.planners.stuck import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    session_id, extensions = planned.session_id, planned.extensions
    stuck = session.get(StuckSession, session_id)
    if stuck is None or stuck.member_id != row.member_id:
        return Skip("stuck session gone")
    if stuck.status != StuckStatus.OPEN:
        return Skip("stuck session already closed")
    if stuck.extensions != extensions:
        return Skip("stuck session extended since this nudge was planned")
    member = session.get(Member, stuck.member_id)
    if member is None or not member.stuck_nudges_enabled:
        return Skip("stuck nudges turned off in settings")
    minutes = max(1, round((ctx.now - stuck.started_at).total_seconds() / 60))
    payload = stuck_nudge_message(session_id=stuck.id, what=stuck.what, minutes_stuck=minutes, stage=member.stage)
    return Message(text=payload["text"], blocks=payload["blocks"])

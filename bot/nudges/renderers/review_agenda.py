"""The private 1:1 agenda, one copy per reader, built at send time from what that reader may see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.ratings import agenda_message
from bot.nudges.planners.review_agenda import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload
from bot.services.ratings import agenda_for


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    conversation_id, reader = planned.conversation_id, planned.reader
    agenda = agenda_for(session, ctx.content, conversation_id, reader)
    if agenda is None:
        return Skip("no agenda any more (ratings changed, or the manager is no longer linked)")
    expected = agenda.report_user_id if reader == "self" else agenda.manager_user_id
    if row.recipient_id != expected:
        return Skip("recipient is not this copy's reader")
    payload = agenda_message(agenda, reader)
    return Message(text=payload["text"], blocks=payload["blocks"])

"""The rating ask (to the report) and the invitation (to the manager the report invited), at send time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.ratings import manager_invite_message
from bot.db.models import Member, ReviewConversation
from bot.nudges.planners.review_rating import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    if member is None:
        return Skip("member gone")
    if planned.conversation_id is None:
        # Planned before the self-rating ask joined the first review packet: that packet asks it now.
        return Skip("the review packet carries the self-rating ask")
    conversation = session.get(ReviewConversation, planned.conversation_id)
    if (
        conversation is None
        or conversation.member_id != member.id
        or conversation.invited_manager_id != row.recipient_id
        or member.manager_slack_user_id != row.recipient_id
    ):
        return Skip("the invitation no longer stands (manager changed or unlinked)")
    payload = manager_invite_message(
        conversation.id, member.slack_user_id, ctx.content.stage(conversation.stage), conversation.review_date
    )
    return Message(text=payload["text"], blocks=payload["blocks"])

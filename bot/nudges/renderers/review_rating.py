"""The rating ask (to the report) and the invitation (to the manager the report invited), at send time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.ratings import manager_invite_message, rating_prompt_message
from bot.db.models import Member, ReviewConversation
from bot.nudges.planners.review_rating import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    review_date = planned.review_date
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    if member is None:
        return Skip("member gone")
    if planned.conversation_id is None:
        if not member.review_reminders_enabled:
            return Skip("review reminders turned off in settings")
        if member.review_date != review_date or member.stage is None:
            return Skip("review date or stage changed since this ask was planned")
        payload = rating_prompt_message(
            review_date, ctx.content.stage(member.stage), member.manager_slack_user_id is not None
        )
        return Message(text=payload["text"], blocks=payload["blocks"])
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

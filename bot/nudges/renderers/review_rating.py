"""The rating ask (to the report) and the invitation (to the manager the report invited), at send time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.ratings import manager_invite_message, rating_prompt_message
from bot.db.models import Member, ReviewConversation
from bot.nudges.planners.review_rating import SELF, parse_period_key
from bot.nudges.types import DeliveryRow, Message, RenderContext, Skip


def render(session: Session, ctx: RenderContext, row: DeliveryRow) -> Message | Skip:
    parsed = parse_period_key(row.period_key)
    if parsed is None:
        return Skip(f"unreadable period key {row.period_key!r}")
    review_date, who = parsed
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    if member is None:
        return Skip("member gone")
    if who == SELF:
        if not member.review_reminders_enabled:
            return Skip("review reminders turned off in settings")
        if member.review_date != review_date or member.stage is None:
            return Skip("review date or stage changed since this ask was planned")
        payload = rating_prompt_message(
            review_date, ctx.content.stage(member.stage), member.manager_slack_user_id is not None
        )
        return Message(text=payload["text"], blocks=payload["blocks"])
    conversation = session.get(ReviewConversation, int(who[1:]))
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

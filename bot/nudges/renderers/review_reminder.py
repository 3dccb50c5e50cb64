"""The review packet, built at send time from the member's current brag document."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.review import review_packet_message
from bot.db.models import Member
from bot.nudges.planners.review_reminder import FIRST_PACKET_DAYS, Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload
from bot.services.localtime import local_today
from bot.services.review import review_packet


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    review_date, days_before = planned.review_date, planned.days_before
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    if member is None:
        return Skip("member gone")
    if not member.review_reminders_enabled:
        return Skip("review reminders turned off in settings")
    if member.review_date != review_date:
        return Skip("review date changed since this reminder was planned")
    today = local_today(member.timezone, ctx.now)
    packet = review_packet(session, ctx.content, member, today)
    # Two weeks out the packet carries the self-rating ask (bot/nudges/planners/review_rating.py no longer
    # sends it apart): one message, not two in the same minute.
    asks = days_before == FIRST_PACKET_DAYS and member.stage is not None
    title = ctx.content.stage(member.stage).title if asks and member.stage is not None else None
    payload = review_packet_message(packet, today, title)
    return Message(text=payload["text"], blocks=payload["blocks"])

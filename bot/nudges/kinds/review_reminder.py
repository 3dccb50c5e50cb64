"""Review reminders: a packet DM'd 14 days and again 2 days before the review, at 09:00 local time.

A reminder whose day is not one of the member's working days goes out on the last working day before it
(a Monday review's "two days before" is the Friday), never on or after the review day.

Period key: ``review-<date>-<days>d``; a changed review date is a new key (and the renderer
skips reminders for a date that is no longer the member's review date).

The packet is built at send time from the member's current brag document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.blocks.review import review_packet_message
from bot.db.models import Member, NudgeKind
from bot.nudges.availability import respecting_time
from bot.nudges.kinds import MEMBER_AND_ZONE, installed_members
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services.availability import working_day_on_or_before
from bot.services.localtime import local_to_utc, local_today, zone
from bot.services.review import review_packet

KIND = NudgeKind.REVIEW_REMINDER.value
FIRST_PACKET_DAYS = 14
"""The first packet, which also asks for the self-rating (the review_rating kind's ask used to follow it)."""
DAYS_BEFORE = (FIRST_PACKET_DAYS, 2)
SEND_MINUTE = 9 * 60
GRACE = timedelta(days=1)
"""A day late is still useful before a review; older than that, the next reminder (or none) follows."""


def period_key(review_date: date, days_before: int) -> str:
    return f"review-{review_date.isoformat()}-{days_before}d"


@dataclass(frozen=True)
class Payload:
    review_date: date
    days_before: int


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    rows = session.execute(
        installed_members(*MEMBER_AND_ZONE, Member.review_date, Member.workdays).where(
            Member.review_date.is_not(None),
            Member.review_reminders_enabled.is_(True),
            Member.delivery_blocked_at.is_(None),
        )
    )
    planned = []
    for member_id, workspace_id, user_id, tz_name, review_date, workdays in rows:
        assert review_date is not None  # filtered above
        for days_before in DAYS_BEFORE:
            day = working_day_on_or_before(review_date - timedelta(days=days_before), workdays)
            due_at = local_to_utc(day, SEND_MINUTE, zone(tz_name))
            if due_at <= ctx.now:
                planned.append(
                    PlannedNudge(
                        workspace_id,
                        member_id,
                        user_id,
                        period_key(review_date, days_before),
                        due_at,
                        Payload(review_date, days_before),
                    )
                )
    return planned


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
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
    # Two weeks out the packet carries the self-rating ask (bot/nudges/kinds/review_rating.py no longer
    # sends it apart): one message, not two in the same minute.
    asks = days_before == FIRST_PACKET_DAYS and member.stage is not None
    title = ctx.content.stage(member.stage).title if asks and member.stage is not None else None
    payload = review_packet_message(packet, today, title)
    return Message(text=payload["text"], blocks=payload["blocks"])


TYPE = NudgeType(KIND, plan, respecting_time(render), GRACE, priority=40, payload=Payload)

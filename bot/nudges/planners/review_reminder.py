"""Review reminders: a packet DM'd 14 days and again 2 days before the review, at 09:00 local time.

A reminder whose day is not one of the member's working days goes out on the last working day before it
(a Monday review's "two days before" is the Friday), never on or after the review day.

Period key: ``review-<date>-<days>d``; a changed review date is a new key (and the renderer
skips reminders for a date that is no longer the member's review date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeKind
from bot.nudges.planners import MEMBER_AND_ZONE, installed_members
from bot.nudges.types import Context, PlannedNudge
from bot.services.availability import working_day_on_or_before
from bot.services.localtime import local_to_utc, zone

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

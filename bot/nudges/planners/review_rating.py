"""The review conversation's asks: the report's self-rating prompt, and their invitation to their manager.

- Self: 14 days before the review date at 09:00 local (the same moment as the first review reminder,
  which brings the evidence; this asks for the ratings). Period key ``rating-<date>-self``.
- Manager: as soon as the report invited them (the tick after). Period key ``rating-<date>-m<conversation>``.

A changed review date is a new key; the renderer skips asks for a date that is no longer the review date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeKind, ReviewConversation, Workspace
from bot.nudges.planners import MEMBER_AND_ZONE, installed_members
from bot.nudges.types import Context, PlannedNudge
from bot.services.localtime import local_to_utc, zone

KIND = NudgeKind.REVIEW_RATING.value
DAYS_BEFORE = 14
SEND_MINUTE = 9 * 60
GRACE = timedelta(days=1)
"""A day late still leaves two weeks to rate; older than that, the review packet alone follows."""
SELF = "self"


def period_key(review_date: date, who: str) -> str:
    return f"rating-{review_date.isoformat()}-{who}"


@dataclass(frozen=True)
class Payload:
    review_date: date
    conversation_id: int | None
    """None: the report's own ask; else the invitation of that review conversation's manager."""


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    base = installed_members(*MEMBER_AND_ZONE, Member.review_date).where(
        Member.review_date.is_not(None),
        Member.stage.is_not(None),
        Member.review_reminders_enabled.is_(True),
        Member.delivery_blocked_at.is_(None),
    )
    planned = []
    for member_id, workspace_id, user_id, tz_name, review_date in session.execute(base):
        assert review_date is not None  # filtered above
        due_at = local_to_utc(review_date - timedelta(days=DAYS_BEFORE), SEND_MINUTE, zone(tz_name))
        if due_at <= ctx.now:
            key = period_key(review_date, SELF)
            planned.append(PlannedNudge(workspace_id, member_id, user_id, key, due_at, Payload(review_date, None)))
    invited = session.execute(
        select(
            ReviewConversation.id,
            ReviewConversation.review_date,
            ReviewConversation.invited_manager_id,
            ReviewConversation.invited_at,
            Member.id,
            Member.workspace_id,
        )
        .join(Member, Member.id == ReviewConversation.member_id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(
            ReviewConversation.invited_manager_id.is_not(None),
            ReviewConversation.invited_at.is_not(None),
            ReviewConversation.invited_at >= ctx.now - GRACE,
            Workspace.uninstalled_at.is_(None),
        )
    )
    for conversation_id, review_date, manager_id, invited_at, member_id, workspace_id in invited:
        assert manager_id is not None and invited_at is not None  # filtered above
        if invited_at <= ctx.now:
            planned.append(
                PlannedNudge(
                    workspace_id,
                    member_id,
                    manager_id,
                    period_key(review_date, f"m{conversation_id}"),
                    invited_at,
                    Payload(review_date, conversation_id),
                )
            )
    return planned

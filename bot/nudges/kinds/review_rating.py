"""The review conversation's invitation to the manager a report invited: as soon as they invited them
(the tick after). Period key ``rating-<date>-m<conversation>``.

The report's own self-rating ask rides in the first review packet (bot/nudges/kinds/review_reminder.py):
sent apart, it landed in the same minute as the packet, two messages for one moment (issue #22). Rows of
the old ``rating-<date>-self`` key still in a ledger are skipped by the renderer.

The invitation is built at send time, and skipped if it no longer stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.ratings import manager_invite_message
from bot.db.models import Member, NudgeKind, ReviewConversation, Workspace
from bot.nudges.availability import respecting_time
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip

KIND = NudgeKind.REVIEW_RATING.value
GRACE = timedelta(days=1)
"""A day late still leaves two weeks to rate; older than that, the review packet alone follows."""


def period_key(review_date: date, who: str) -> str:
    return f"rating-{review_date.isoformat()}-{who}"


@dataclass(frozen=True)
class Payload:
    review_date: date
    conversation_id: int | None
    """None: the report's own ask; else the invitation of that review conversation's manager."""


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    planned: list[PlannedNudge] = []
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


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
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


TYPE = NudgeType(KIND, plan, respecting_time(render), GRACE, priority=40, payload=Payload)

"""The 1:1 agenda: once the report and their invited manager have both rated, and some ratings are two
levels apart, each gets a private copy (the tick after the second rating).

Period key ``agenda-<conversation id>-self`` / ``agenda-<conversation id>-manager``: one copy each, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeKind, Rater, ReviewConversation, Workspace
from bot.nudges.types import Context, PlannedNudge
from bot.services.ratings import gaps

KIND = NudgeKind.REVIEW_AGENDA.value
GRACE = timedelta(days=2)
LOOKBACK = timedelta(days=30)
"""Ratings older than this are not planned again (they were, long ago, or their review has passed)."""


def period_key(conversation_id: int, reader: str) -> str:
    return f"agenda-{conversation_id}-{reader}"


@dataclass(frozen=True)
class Payload:
    conversation_id: int
    reader: str
    """``self`` or ``manager``."""


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    rows = session.execute(
        select(ReviewConversation, Member.workspace_id, Member.slack_user_id, Member.manager_slack_user_id)
        .join(Member, Member.id == ReviewConversation.member_id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(
            ReviewConversation.self_rated_at.is_not(None),
            ReviewConversation.manager_rated_at.is_not(None),
            ReviewConversation.invited_manager_id.is_not(None),
            ReviewConversation.manager_rated_at >= ctx.now - LOOKBACK,
            Workspace.uninstalled_at.is_(None),
        )
    )
    planned = []
    for conversation, workspace_id, report_id, current_manager in rows:
        manager_id = conversation.invited_manager_id
        if manager_id is None or current_manager != manager_id or not gaps(conversation):
            continue
        assert conversation.self_rated_at is not None and conversation.manager_rated_at is not None
        due_at = max(conversation.self_rated_at, conversation.manager_rated_at)
        if due_at > ctx.now:
            continue
        member_id = conversation.member_id
        for reader, recipient in ((Rater.SELF, report_id), (Rater.MANAGER, manager_id)):
            key, payload = period_key(conversation.id, reader), Payload(conversation.id, reader)
            planned.append(PlannedNudge(workspace_id, member_id, recipient, key, due_at, payload))
    return planned

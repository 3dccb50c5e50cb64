"""The 1:1 agenda: once the report and their invited manager have both rated, and some ratings are two
levels apart, each gets a private copy (the tick after the second rating).

Period key ``agenda-<conversation id>-self`` / ``agenda-<conversation id>-manager``: one copy each, once.

Each copy is built at send time from what that reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.ratings import agenda_message
from bot.db.models import Member, NudgeKind, Rater, ReviewConversation, Workspace
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services.ratings import agenda_for, gaps

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


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
    conversation_id, reader = planned.conversation_id, planned.reader
    agenda = agenda_for(session, ctx.content, conversation_id, reader)
    if agenda is None:
        return Skip("no agenda any more (ratings changed, or the manager is no longer linked)")
    expected = agenda.report_user_id if reader == "self" else agenda.manager_user_id
    if row.recipient_id != expected:
        return Skip("recipient is not this copy's reader")
    payload = agenda_message(agenda, reader)
    return Message(text=payload["text"], blocks=payload["blocks"])


TYPE = NudgeType(KIND, plan, render, GRACE, priority=40, payload=Payload)

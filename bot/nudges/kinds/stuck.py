"""The stuck nudge: ``STUCK_MINUTES`` after ``/stuck`` (and 15 minutes after each "more time").

Period key: ``stuck-<session id>-<extensions>``, so every extension is a new occurrence and a
repeated tick never nudges twice for the same one.

Built at send time: nothing goes out for a session already closed or extended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.nudges import stuck_nudge_message
from bot.db.models import Member, NudgeKind, StuckSession, StuckStatus, Workspace
from bot.nudges.availability import respecting_time
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip

KIND = NudgeKind.STUCK.value
GRACE = timedelta(hours=1)
"""A nudge more than an hour late ("still stuck?" long after the fact) is noise: skipped, logged."""
LOOKBACK = timedelta(days=2)
"""Open sessions whose nudge was due longer ago than this are not looked at again."""


def period_key(session_id: int, extensions: int) -> str:
    return f"stuck-{session_id}-{extensions}"


@dataclass(frozen=True)
class Payload:
    session_id: int
    extensions: int


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    rows = session.execute(
        select(
            StuckSession.id,
            StuckSession.extensions,
            StuckSession.nudge_due_at,
            Member.id,
            Member.workspace_id,
            Member.slack_user_id,
        )
        .join(Member, Member.id == StuckSession.member_id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(
            StuckSession.status == StuckStatus.OPEN,
            StuckSession.nudge_due_at <= ctx.now,
            StuckSession.nudge_due_at > ctx.now - LOOKBACK,
            Member.stuck_nudges_enabled.is_(True),
            Member.delivery_blocked_at.is_(None),
            Workspace.uninstalled_at.is_(None),
        )
    )
    return [
        PlannedNudge(
            workspace_id,
            member_id,
            user_id,
            period_key(session_id, extensions),
            due_at,
            Payload(session_id, extensions),
        )
        for session_id, extensions, due_at, member_id, workspace_id, user_id in rows
    ]


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
    session_id, extensions = planned.session_id, planned.extensions
    stuck = session.get(StuckSession, session_id)
    if stuck is None or stuck.member_id != row.member_id:
        return Skip("stuck session gone")
    if stuck.status != StuckStatus.OPEN:
        return Skip("stuck session already closed")
    if stuck.extensions != extensions:
        return Skip("stuck session extended since this nudge was planned")
    member = session.get(Member, stuck.member_id)
    if member is None or not member.stuck_nudges_enabled:
        return Skip("stuck nudges turned off in settings")
    minutes = max(1, round((ctx.now - stuck.started_at).total_seconds() / 60))
    payload = stuck_nudge_message(session_id=stuck.id, what=stuck.what, minutes_stuck=minutes, stage=member.stage)
    return Message(text=payload["text"], blocks=payload["blocks"])


TYPE = NudgeType(KIND, plan, respecting_time(render), GRACE, priority=10, payload=Payload)

"""One page of a manager's weekly digest, built at send time (only what reports share right now)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.blocks.digest import digest_page
from bot.db.models import Member
from bot.nudges.planners.digest import parse_period_key
from bot.nudges.types import DeliveryRow, Message, RenderContext, Skip
from bot.services.digest import build_team_digest

WEEK = timedelta(days=7)


def render(session: Session, ctx: RenderContext, row: DeliveryRow) -> Message | Skip:
    parsed = parse_period_key(row.period_key)
    if parsed is None:
        return Skip(f"unreadable period key {row.period_key!r}")
    _week, manager_user_id, page = parsed
    manager = session.get(Member, row.member_id) if row.member_id is not None else None
    if manager is None or manager.slack_user_id != manager_user_id:
        return Skip("manager gone")
    if manager.digest_channel_id != row.recipient_id:
        return Skip("digest channel changed or turned off")
    # The digest covers the seven days before it is due (Monday 09:00 back to last Monday 09:00).
    digest = build_team_digest(
        session,
        ctx.content,
        manager.workspace_id,
        manager_user_id,
        row.due_at - WEEK,
        row.due_at,
        readiness_months=ctx.settings.stagecoach_readiness_months,
        readiness_window=ctx.settings.stagecoach_readiness_window_months,
    )
    payload = digest_page(ctx.content, digest, page)
    if payload is None:
        return Skip(f"the team no longer fills page {page}")
    return Message(text=payload["text"], blocks=payload["blocks"])


def forget_channel(session: Session, row: DeliveryRow, error: str) -> None:
    """Slack refused the channel for good (bot removed, channel archived): stop planning digests there."""
    manager = session.get(Member, row.member_id) if row.member_id is not None else None
    if manager is not None and manager.digest_channel_id == row.recipient_id:
        manager.digest_channel_id = None

"""The weekly wins prompt, built at send time from the member's current stage, evidence and wins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.blocks.nudges import weekly_prompt_message
from bot.db.models import BragEntry, Member
from bot.nudges.planners.weekly_prompt import SNOOZE_LATER_TODAY, is_snooze, week_number
from bot.nudges.types import DeliveryRow, Message, RenderContext, Skip
from bot.services.progress import evidence_counts, stage_progress
from content import Content, Tactic

MAX_OPEN_CRITERIA = 3


def pick_tip(content: Content, stage: int | None, week: int) -> Tactic:
    """A growth tactic that suits the stage (natural from ``stage + 1`` at the latest), rotating weekly."""
    reachable = (stage or 1) + 1
    suitable = [t for t in content.growth.tactics if t.best_from_stage <= reachable] or list(content.growth.tactics)
    return suitable[week % len(suitable)]


def render(session: Session, ctx: RenderContext, row: DeliveryRow) -> Message | Skip:
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    if member is None:
        return Skip("member no longer enrolled")
    if not member.weekly_prompt_enabled:
        return Skip("weekly prompt turned off in settings")
    if member.delivery_blocked_at is not None:
        return Skip(f"delivery blocked: {member.delivery_blocked_reason}")
    snoozed = is_snooze(row.period_key)
    since_week = ctx.now - timedelta(days=7)
    wins_query = select(func.count()).select_from(BragEntry).where(BragEntry.member_id == member.id)
    if snoozed:
        # The re-prompt is moot when a win was saved after the snooze click.
        snoozed_at = row.due_at - SNOOZE_LATER_TODAY
        if session.scalar(wins_query.where(BragEntry.created_at >= snoozed_at)):
            return Skip("a win was saved since the snooze")
    wins = int(session.scalar(wins_query.where(BragEntry.created_at >= since_week)) or 0)
    stage_title = None
    open_criteria = []
    if member.stage is not None:
        counts = evidence_counts(session, [member.id])[member.id]
        progress = stage_progress(ctx.content, member.stage, counts)
        stage_title = progress.stage.title
        open_criteria = progress.open_criteria[:MAX_OPEN_CRITERIA]
    payload = weekly_prompt_message(
        delivery_id=row.id,
        stage_title=stage_title,
        open_criteria=open_criteria,
        tip=pick_tip(ctx.content, member.stage, week_number(row.period_key)),
        wins_this_week=wins,
        weekday=member.prompt_weekday,
        minute=member.prompt_minute,
        snoozed=snoozed,
    )
    return Message(text=payload["text"], blocks=payload["blocks"])

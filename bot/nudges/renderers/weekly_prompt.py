"""The weekly wins prompt, built at send time from the member's current stage, evidence and wins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.blocks.nudges import weekly_prompt_message
from bot.db.models import BragEntry, BragEvidence, Member
from bot.db.types import UTCDateTime
from bot.nudges.planners.weekly_prompt import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload
from bot.services.gaps import member_gap
from bot.services.progress import stage_progress
from bot.services.prompts import SNOOZE_LATER_TODAY
from content import Content, Tactic

MAX_OPEN_CRITERIA = 3


def pick_tip(content: Content, stage: int | None, week: int) -> Tactic:
    """A growth tactic that suits the stage (natural from ``stage + 1`` at the latest), rotating weekly."""
    reachable = (stage or 1) + 1
    suitable = [t for t in content.growth.tactics if t.best_from_stage <= reachable] or list(content.growth.tactics)
    return suitable[week % len(suitable)]


_WINS = select(func.count()).where(BragEntry.member_id == Member.id)
_MEMBER = select(
    Member.weekly_prompt_enabled,
    Member.delivery_blocked_reason,
    Member.delivery_blocked_at,
    Member.stage,
    Member.prompt_weekday,
    Member.prompt_minute,
    _WINS.where(BragEntry.created_at >= bindparam("b_week", type_=UTCDateTime())).scalar_subquery(),
    _WINS.where(BragEntry.created_at >= bindparam("b_since", type_=UTCDateTime())).scalar_subquery(),
    # Which criteria and tactics have evidence (what progress.evidence_counts answers), in the same
    # query: this runs for every prompt of a 10,000-member fan-out.
    select(func.aggregate_strings(BragEvidence.evidence_key, ","))
    .join(BragEntry, BragEvidence.entry_id == BragEntry.id)
    .where(BragEntry.member_id == Member.id)
    .scalar_subquery(),
).where(Member.id == bindparam("b_member"))


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    """One query: the member's settings, their wins this week and the evidence keys they have."""
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    snoozed = planned.snoozed
    found = session.execute(
        _MEMBER,
        {
            "b_member": row.member_id,
            "b_week": ctx.now - timedelta(days=7),
            "b_since": row.due_at - SNOOZE_LATER_TODAY if snoozed else ctx.now,
        },
    ).one_or_none()
    if found is None:
        return Skip("member no longer enrolled")
    enabled, blocked_reason, blocked_at, stage, weekday, minute, wins_this_week, wins_since_snooze, keys = found
    if not enabled:
        return Skip("weekly prompt turned off in settings")
    if blocked_at is not None:
        return Skip(f"delivery blocked: {blocked_reason}")
    if snoozed and wins_since_snooze:
        # The re-prompt is moot when a win was saved after the snooze click.
        return Skip("a win was saved since the snooze")
    stage_title = None
    open_criteria = []
    gap = None
    if stage is not None:
        # Aimed at the gap: the one criterion with the least or oldest evidence, and a question about it.
        if row.member_id is not None:
            gap = member_gap(session, ctx.content, row.member_id, stage, planned.week)
        counts = {key: 1 for key in (keys or "").split(",") if key}
        progress = stage_progress(ctx.content, stage, counts)
        stage_title = progress.stage.title
        open_criteria = progress.open_criteria[:MAX_OPEN_CRITERIA]
    payload = weekly_prompt_message(
        delivery_id=row.id,
        stage_title=stage_title,
        open_criteria=open_criteria,
        tip=pick_tip(ctx.content, stage, planned.week),
        wins_this_week=int(wins_this_week or 0),
        weekday=weekday,
        minute=minute,
        snoozed=snoozed,
        gap=gap,
    )
    return Message(text=payload["text"], blocks=payload["blocks"])

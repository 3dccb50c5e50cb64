"""One page of a manager's weekly digest, built at send time (only what reports share right now).

Two audiences share the planner's period keys and differ by recipient:
- the team digest channel: names and the wins shared with the team channel, nothing else (it celebrates);
- the manager's own DM: everything shared with her (alone or with the channel), with progress, readiness
  and a 1:1 idea per report, counted as her Home counts it.
Either is skipped in a week with nothing shared with its audience.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.blocks.digest import digest_page
from bot.db.models import Member
from bot.nudges.planners.digest import Payload
from bot.nudges.types import Context, DeliveryRow, Message, Skip, read_payload
from bot.services.digest import CHANNEL_AUDIENCE, MANAGER_AUDIENCE, build_team_digest

WEEK = timedelta(days=7)


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip:
    planned = read_payload(Payload, row.payload)
    if planned is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    manager_user_id, page = planned.manager_user_id, planned.page
    manager = session.get(Member, row.member_id) if row.member_id is not None else None
    if manager is None or manager.slack_user_id != manager_user_id:
        return Skip("manager gone")
    to_manager = row.recipient_id == manager_user_id
    if not to_manager and manager.digest_channel_id != row.recipient_id:
        return Skip("digest channel changed or turned off")
    # One story counted one way: the manager's DM counts everything shared with her (alone or with the
    # channel), as her Home does; the channel shows what was shared there, nothing else.
    shown = progress = MANAGER_AUDIENCE if to_manager else CHANNEL_AUDIENCE
    # The digest covers the seven days before it is due (Monday 09:00 back to last Monday 09:00).
    digest = build_team_digest(
        session,
        ctx.content,
        manager.workspace_id,
        manager_user_id,
        row.due_at - WEEK,
        row.due_at,
        shown,
        progress,
        readiness_months=ctx.settings.stagecoach_readiness_months,
        readiness_window=ctx.settings.stagecoach_readiness_window_months,
    )
    if not any(report.wins_total for report in digest.reports):
        # A quiet week posts nothing: "0 shared wins" in a channel, or in a DM, is noise (issue #22).
        return Skip("nothing shared with the manager this week" if to_manager else "nothing shared in the channel")
    payload = digest_page(ctx.content, digest, page)
    if payload is None:
        return Skip(f"the digest has no page {page}")
    return Message(text=payload["text"], blocks=payload["blocks"])


def forget_channel(session: Session, row: DeliveryRow, error: str) -> None:
    """Slack refused the channel for good (bot removed, channel archived): stop planning digests there."""
    manager = session.get(Member, row.member_id) if row.member_id is not None else None
    if manager is not None and manager.digest_channel_id == row.recipient_id:
        manager.digest_channel_id = None

"""The manager's team digest: Monday 09:00 in the manager's timezone, to the channel they chose
and, for what reports shared with the manager alone, to the manager by DM.

One ledger row per message ("page"), so a large team's digest goes out exactly once page by
page. Period key: ``<ISO week>:<manager user id>:p<page>``; several managers may share a channel.
Pages are cut by size at send time; the planner ledgers the most a team of that size can need
and the renderer skips the pages a smaller digest does not fill.

Each page is built at send time (only what reports share right now).

Two audiences share the planner's period keys and differ by recipient:
- the team digest channel: names and the wins shared with the team channel, nothing else (it celebrates);
- the manager's own DM: everything shared with her (alone or with the channel), with progress, readiness
  and a 1:1 idea per report, counted as her Home counts it.
Either is skipped in a week with nothing shared with its audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.blocks.digest import digest_page
from bot.db.models import Member, NudgeKind
from bot.nudges.kinds import MEMBER_AND_ZONE, installed_members
from bot.nudges.timing import latest_weekly_occurrence
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services.digest import CHANNEL_AUDIENCE, MANAGER_AUDIENCE, build_team_digest, page_count
from bot.services.localtime import zone

USER_DELETED = "user_deleted"
"""``delivery_blocked_reason`` of a deactivated account (set by the users.list pass, bot/services/directory.py)."""

KIND = NudgeKind.DIGEST.value
MONDAY = 0
SEND_MINUTE = 9 * 60
GRACE = timedelta(hours=12)
"""Still Monday for the manager; a digest more than half a day late waits for next week."""


def period_key(week_key: str, manager_user_id: str, page: int) -> str:
    return f"{week_key}:{manager_user_id}:p{page}"


@dataclass(frozen=True)
class Payload:
    manager_user_id: str
    page: int


def _candidates() -> Any:
    """Members who set a digest channel, or whom a report named as their manager."""
    report = aliased(Member)
    managers = select(Member.id).join(
        report,
        (report.workspace_id == Member.workspace_id) & (report.manager_slack_user_id == Member.slack_user_id),
    )
    return select(Member.id).where(Member.digest_channel_id.is_not(None)).union(managers)


@cache
def _managers() -> Any:
    """Each digest sender with their channel and how many reports named them. Built once: the statement does
    not depend on the tick, and building it (an aliased subquery SQLAlchemy adapts column by column) was
    ~2.5 ms of every tick, half of all planning, in tests/test_surfaces.py's 577 ticks."""
    report = aliased(Member)
    report_counts = (
        select(report.workspace_id, report.manager_slack_user_id, func.count().label("reports"))
        .where(report.manager_slack_user_id.is_not(None))
        .group_by(report.workspace_id, report.manager_slack_user_id)
        .subquery()
    )
    return (
        installed_members(
            *MEMBER_AND_ZONE,
            Member.digest_channel_id,
            func.coalesce(report_counts.c.reports, 0),
        )
        .outerjoin(
            report_counts,
            (report_counts.c.workspace_id == Member.workspace_id)
            & (report_counts.c.manager_slack_user_id == Member.slack_user_id),
        )
        # Candidates by id from two small partial indexes (a digest channel set; a manager named), so the
        # planner does not read every member every minute: 1,000,000 members took ~260 ms a tick.
        .where(Member.id.in_(_candidates()))
        # A manager whose Slack account was deactivated (the users.list pass saw it deleted) posts no
        # more digests: their channel digest kept going out every week (issue 24).
        .where(or_(Member.delivery_blocked_reason.is_(None), Member.delivery_blocked_reason != USER_DELETED))
    )


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    rows = session.execute(_managers())
    planned = []
    for member_id, workspace_id, user_id, tz_name, channel_id, reports in rows:
        occurrence = latest_weekly_occurrence(ctx.now, zone(tz_name), MONDAY, SEND_MINUTE)
        # The team channel (when set) and the manager's own DM (when anyone named them) each get
        # their pages; the renderer picks each audience's wins by recipient.
        recipients = ([channel_id] if channel_id else []) + ([user_id] if reports else [])
        for recipient in recipients:
            for page in range(1, page_count(int(reports)) + 1):
                planned.append(
                    PlannedNudge(
                        workspace_id,
                        member_id,
                        recipient,
                        period_key(occurrence.week_key, user_id, page),
                        occurrence.due_at,
                        Payload(user_id, page),
                    )
                )
    return planned


WEEK = timedelta(days=7)


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
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


TYPE = NudgeType(KIND, plan, render, GRACE, priority=60, on_permanent_error=forget_channel, paged=True, payload=Payload)

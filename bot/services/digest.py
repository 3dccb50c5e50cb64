"""The manager's weekly team digest: what each report chose to share, and where to help.

Only reports who named this manager appear, and only the wins shared with the digest's
audience: the team channel's digest shows wins shared with the team channel, the manager's own
DM digest also those shared with the manager alone. Progress bars count the same audience's
evidence only, so nobody learns from a digest what a report kept from them. Reports who shared
nothing are a count, never a list of names; stuck signals are team aggregates, never per person.
The whole digest is a fixed handful of queries, whatever the team size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, Member, StuckSession, StuckStatus, Visibility
from bot.services.involvement import involvement_summary
from bot.services.localtime import zone
from bot.services.progress import StageProgress, evidence_counts, stage_progress
from bot.services.readiness import READINESS_MONTHS, READINESS_WINDOW, MonthEvidence, Readiness, team_figures
from bot.webapi.limits import MAX_SECTION_TEXT
from content import Content, Stage, load_signal_rules

MAX_WINS_PER_REPORT = 5
CHANNEL_AUDIENCE = (Visibility.TEAM_CHANNEL,)
"""What the team digest channel may show: wins shared with the team channel, nothing else."""
MANAGER_AUDIENCE = (Visibility.MANAGER, Visibility.TEAM_CHANNEL)
"""What the manager's own DM digest may show: everything shared with them."""


@dataclass(frozen=True)
class SharedWin:
    what: str
    impact: str | None
    link: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReportDigest:
    member_id: int
    slack_user_id: str
    name: str
    stage: Stage | None
    progress: StageProgress | None
    wins: list[SharedWin]
    wins_total: int
    one_on_one_prompt: str | None
    readiness: Readiness | None = None
    """Sustained readiness on shared wins: every criterion evidenced, next-stage evidence over months."""
    trend: list[MonthEvidence] = field(default_factory=list)
    """Shared wins that are evidence, per month, over the readiness window (oldest first)."""
    involvement: str | None = None
    """What the roadmap asks of the manager at this report's stage (meetings, reviews, what they do)."""

    @property
    def may_be_ready(self) -> bool:
        """Every exit criterion of their stage has shared evidence, sustained over months (and a next stage)."""
        if self.readiness is not None:
            return self.readiness.may_be_ready
        return self.progress is not None and self.progress.complete and self.stage is not None and self.stage.number < 5


@dataclass(frozen=True)
class StuckSignals:
    started: int
    asked_for_help: int
    still_open: int


@dataclass(frozen=True)
class TeamDigest:
    manager_slack_user_id: str
    week_start: datetime
    week_end: datetime
    reports: list[ReportDigest] = field(default_factory=list)
    stuck: StuckSignals = StuckSignals(0, 0, 0)
    for_channel: bool = True
    """Posted in the team channel (True) or sent to the manager alone by DM (False)."""

    @property
    def quiet_count(self) -> int:
        """How many reports shared nothing with this audience this week (a count: never their names)."""
        return sum(1 for report in self.reports if report.wins_total == 0)


def reports_of(session: Session, workspace_id: int, manager_slack_user_id: str) -> list[Member]:
    """Members who named this manager: the consent the digest rests on."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.workspace_id == workspace_id, Member.manager_slack_user_id == manager_slack_user_id)
            .order_by(Member.display_name, Member.slack_user_id)
        )
    )


def one_on_one_prompt(progress: StageProgress | None, week_number: int) -> str | None:
    """One question for the 1:1, rotating weekly through the exit criteria still without evidence."""
    if progress is None:
        return None
    open_criteria = progress.open_criteria
    if not open_criteria:
        return None
    criterion = open_criteria[week_number % len(open_criteria)]
    return f"What would show “{criterion.text}”? Is there work coming up where they could demonstrate it?"


def build_team_digest(
    session: Session,
    content: Content,
    workspace_id: int,
    manager_slack_user_id: str,
    week_start: datetime,
    week_end: datetime,
    visibilities: Collection[str] = CHANNEL_AUDIENCE,
    progress_visibilities: Collection[str] | None = None,
    *,
    readiness_months: int = READINESS_MONTHS,
    readiness_window: int = READINESS_WINDOW,
) -> TeamDigest:
    """The digest for one audience: ``visibilities`` picks the wins shown (``CHANNEL_AUDIENCE`` for the
    team channel), ``progress_visibilities`` the evidence its progress bars count (default: the same).
    ``readiness_*``: the settings STAGECOACH_READINESS_MONTHS and STAGECOACH_READINESS_WINDOW_MONTHS."""
    reports = reports_of(session, workspace_id, manager_slack_user_id)
    ids = [member.id for member in reports]
    for_channel = set(visibilities) == set(CHANNEL_AUDIENCE)
    if not ids:
        return TeamDigest(manager_slack_user_id, week_start, week_end, for_channel=for_channel)

    week_wins: dict[int, list[SharedWin]] = defaultdict(list)
    rows = session.execute(
        select(BragEntry.member_id, BragEntry.what, BragEntry.impact, BragEntry.link, BragEntry.created_at)
        .where(
            BragEntry.member_id.in_(ids),
            BragEntry.visibility.in_(list(visibilities)),
            BragEntry.created_at >= week_start,
            BragEntry.created_at < week_end,
        )
        .order_by(BragEntry.created_at)
    )
    for member_id, what, impact, link, created_at in rows:
        week_wins[member_id].append(SharedWin(what, impact, link, created_at))

    shared_counts = evidence_counts(session, ids, visibilities=progress_visibilities or visibilities)
    # Months are the manager's calendar months at the digest's end; the window reaches back this far.
    manager_tz = zone(_manager_timezone(session, workspace_id, manager_slack_user_id))
    window = max(readiness_window, 1)
    # Reports without a stage have no criteria or next stage; their trend is still counted (as stage 0).
    figures = team_figures(
        session,
        content,
        load_signal_rules(),
        {member.id: member.stage or 0 for member in reports},
        manager_tz,
        week_end,
        window,
        progress_visibilities or visibilities,
    )
    week_number = week_start.isocalendar().week
    digests = []
    for member in reports:
        stage = content.stage(member.stage) if member.stage else None
        progress = stage_progress(content, stage.number, shared_counts[member.id]) if stage else None
        wins = week_wins.get(member.id, [])
        digests.append(
            ReportDigest(
                member_id=member.id,
                slack_user_id=member.slack_user_id,
                name=member.display_name or "A teammate",
                stage=stage,
                progress=progress,
                wins=wins[-MAX_WINS_PER_REPORT:],
                wins_total=len(wins),
                one_on_one_prompt=one_on_one_prompt(progress, week_number),
                readiness=(figures.readiness_of(content, member.id, progress, readiness_months) if progress else None),
                trend=figures.trend_of(member.id),
                involvement=involvement_summary(stage) if stage is not None else None,
            )
        )

    started, asked, still_open = session.execute(
        select(
            func.count(),
            func.count(StuckSession.asked_for_help_at),
            func.count().filter(StuckSession.status == StuckStatus.OPEN),
        ).where(
            StuckSession.member_id.in_(ids),
            StuckSession.started_at >= week_start,
            StuckSession.started_at < week_end,
        )
    ).one()
    return TeamDigest(
        manager_slack_user_id,
        week_start,
        week_end,
        reports=digests,
        stuck=StuckSignals(int(started), int(asked), int(still_open)),
        for_channel=for_channel,
    )


def _manager_timezone(session: Session, workspace_id: int, manager_slack_user_id: str) -> str:
    found = session.scalar(
        select(Member.timezone).where(
            Member.workspace_id == workspace_id, Member.slack_user_id == manager_slack_user_id
        )
    )
    return found or "UTC"


# -- how many messages a digest may need (the builder cuts pages, the planner ledgers them) -------

MAX_PROMPT_CHARS = 400
MAX_INVOLVEMENT_CHARS = 600
PAGE_TEXT_BUDGET = 11_000
"""What a page may hold: 1,000 characters under Slack's ceiling for its rough edges (emoji
shortcodes and entities are counted by Slack as it sees fit)."""
MAX_REPORT_TEXT = MAX_SECTION_TEXT + MAX_PROMPT_CHARS + MAX_INVOLVEMENT_CHARS + 100
"""One report's section (cut to Slack's section limit), plus its 1:1 idea and the manager's part."""
PAGE_OVERHEAD = 1_500
"""The summary, stuck signals and "continued" line a page may carry besides its reports."""
MIN_REPORTS_PER_PAGE = (PAGE_TEXT_BUDGET - PAGE_OVERHEAD) // MAX_REPORT_TEXT
"""Every page fits at least this many reports (2 blocks each, far under 50), however long their wins:
the planner ledgers ``ceil(reports / MIN_REPORTS_PER_PAGE)`` pages and unused ones are skipped."""


def page_count(report_count: int) -> int:
    """The most messages a team of this size can need (known before rendering, so each can be ledgered)."""
    return max(1, -(-report_count // MIN_REPORTS_PER_PAGE))

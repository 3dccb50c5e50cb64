"""What a member's App Home shows, read in one go: stage, progress, recent wins, settings, next step."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import ConnectedAccount, Member, ReviewConversation
from bot.services.brag import EntrySummary, count_entries, recent_entries, summarize
from bot.services.digest import MANAGER_AUDIENCE, TeamDigest, build_team_digest
from bot.services.growth_wins import load_wins
from bot.services.localtime import local_today, zone
from bot.services.progress import StageProgress, evidence_counts, stage_progress
from bot.services.quarters import QuarterGrowth, quarter_growth
from bot.services.readiness import READINESS_MONTHS, READINESS_WINDOW, Readiness, member_readiness
from bot.services.settings import MemberSettings, settings_of
from content import Content, Criterion, Tactic, load_signal_rules

RECENT_WINS = 10
TEAM_WINDOW = timedelta(days=7)
"""How many wins Home lists; the export has them all."""


@dataclass(frozen=True)
class NextStep:
    """A short "what to do next": an exit criterion with no evidence yet, and a habit that helps."""

    criterion: Criterion | None
    tactic: Tactic | None


REVIEW_HORIZON = timedelta(days=30)
"""A review this close leads Home; further off, it is a line in settings, not what is next."""


@dataclass(frozen=True)
class RatingAsk:
    """A report invited this manager to rate their exit criteria and she has not yet."""

    conversation_id: int
    report_name: str
    review_date: date


@dataclass(frozen=True)
class WhatsNext:
    """What leads Home: an upcoming review, a rating waiting for the member, the weekly question."""

    today: date
    review_date: date | None = None
    """The member's own review, when it is within ``REVIEW_HORIZON``."""
    self_rating_due: bool = False
    """Their review is two weeks off or less, they have a stage, and they have not rated themselves."""
    rating_asks: list[RatingAsk] = field(default_factory=list)


@dataclass(frozen=True)
class HomeSnapshot:
    settings: MemberSettings
    progress: StageProgress | None
    recent: list[EntrySummary]
    total_entries: int
    next_step: NextStep | None
    team: TeamDigest | None = None
    """For a manager: the reports who named them, with what they shared in the last seven days."""
    quarters: list[QuarterGrowth] = field(default_factory=list)
    """Per quarter, newest first: which decide / propose / learn items have evidence (own wins, all of them)."""
    readiness: Readiness | None = None
    """Sustained readiness for the next stage on the member's own wins; None without a stage or a clock."""
    wins_page: int = 0
    """Which page of wins ``recent`` is (0 = the newest); Home pages through all of them."""
    next_up: WhatsNext | None = None
    """None without a clock (tests of the blocks alone)."""
    offer_github: bool = False
    """GitHub is on in this workspace and the member has connected no account: Home offers to connect one."""


def next_step(content: Content, progress: StageProgress, counts: dict[str, int]) -> NextStep:
    """The first open exit criterion, and the stage's habit with the least evidence so far."""
    criterion = progress.open_criteria[0] if progress.open_criteria else None
    number = progress.stage.number
    fitting = [t for t in content.growth.tactics if t.best_from_stage <= number] or list(content.growth.tactics)
    # Among equally unpractised habits, the one meant for the latest stage fits best.
    tactic = min(fitting, key=lambda t: (counts.get(t.key, 0), -t.best_from_stage))
    return NextStep(criterion=criterion, tactic=tactic)


def home_snapshot(
    session: Session,
    content: Content,
    member: Member,
    recent: int = RECENT_WINS,
    now: datetime | None = None,
    page: int = 0,
    *,
    readiness_months: int = READINESS_MONTHS,
    readiness_window: int = READINESS_WINDOW,
) -> HomeSnapshot:
    """``readiness_*``: the settings STAGECOACH_READINESS_MONTHS and STAGECOACH_READINESS_WINDOW_MONTHS."""
    progress: StageProgress | None = None
    step: NextStep | None = None
    quarters: list[QuarterGrowth] = []
    ready: Readiness | None = None
    if member.stage is not None:
        counts = evidence_counts(session, [member.id])[member.id]
        progress = stage_progress(content, member.stage, counts)
        step = next_step(content, progress, counts)
        rules = load_signal_rules()
        tz = zone(member.timezone)
        wins = load_wins(session, [member.id], shared_only=False)[member.id]
        quarters = quarter_growth(content, rules, member.stage, wins, tz)
        if now is not None:
            ready = member_readiness(
                session, content, rules, member.id, progress, tz, now, months=readiness_months, window=readiness_window
            )
    total = count_entries(session, member.id)
    page = min(max(0, page), max(0, -(-total // recent) - 1))
    return HomeSnapshot(
        settings=settings_of(member, now),
        progress=progress,
        recent=[summarize(content, entry) for entry in recent_entries(session, member.id, recent, page * recent)],
        total_entries=total,
        next_step=step,
        team=(_team(session, content, member, now, readiness_months, readiness_window) if now is not None else None),
        quarters=quarters,
        readiness=ready,
        wins_page=page,
        next_up=whats_next(session, member, now) if now is not None else None,
    )


SELF_RATING_WINDOW = 14
"""Days before a review from which Home asks for the self-rating (when the first review packet asks)."""


def whats_next(session: Session, member: Member, now: datetime) -> WhatsNext:
    today = local_today(member.timezone, now)
    review = member.review_date
    upcoming = review if review is not None and today <= review <= today + REVIEW_HORIZON else None
    due = False
    if upcoming is not None and member.stage is not None and (upcoming - today).days <= SELF_RATING_WINDOW:
        rated = session.scalar(
            select(ReviewConversation.self_rated_at).where(
                ReviewConversation.member_id == member.id, ReviewConversation.review_date == upcoming
            )
        )
        due = rated is None
    asks = session.execute(
        select(ReviewConversation.id, Member.display_name, ReviewConversation.review_date)
        .join(Member, Member.id == ReviewConversation.member_id)
        .where(
            Member.workspace_id == member.workspace_id,
            Member.manager_slack_user_id == member.slack_user_id,
            ReviewConversation.invited_manager_id == member.slack_user_id,
            ReviewConversation.manager_rated_at.is_(None),
            ReviewConversation.review_date >= today,
        )
        .order_by(ReviewConversation.review_date)
        .limit(5)
    )
    return WhatsNext(
        today=today,
        review_date=upcoming,
        self_rating_due=due,
        rating_asks=[RatingAsk(int(cid), name or "A report", day) for cid, name, day in asks],
    )


def _team(
    session: Session, content: Content, member: Member, now: datetime, months: int = 3, window: int = 6
) -> TeamDigest | None:
    # The manager's own Home: everything shared with them (alone, or with their team channel).
    digest = build_team_digest(
        session,
        content,
        member.workspace_id,
        member.slack_user_id,
        now - TEAM_WINDOW,
        now,
        MANAGER_AUDIENCE,
        readiness_months=months,
        readiness_window=window,
    )
    return digest if digest.reports else None


def member_home(
    db: Database,
    content: Content,
    member_id: int,
    slack_user_id: str,
    now: datetime,
    *,
    page: int = 0,
    readiness_months: int,
    readiness_window: int,
    github_enabled: bool = False,
) -> HomeSnapshot | None:
    """The member's Home, read in one transaction; None when they deleted their data.

    :class:`PermissionError` when the member is not that Slack user (a Home is only ever theirs).
    """
    with db.transaction() as session:
        member = session.get(Member, member_id)
        if member is None:
            return None
        if member.slack_user_id != slack_user_id:
            raise PermissionError(f"member {member_id} is not Slack user {slack_user_id}")
        snapshot = home_snapshot(
            session,
            content,
            member,
            now=now,
            page=page,
            readiness_months=readiness_months,
            readiness_window=readiness_window,
        )
        if github_enabled:
            connected = session.scalar(select(ConnectedAccount.id).where(ConnectedAccount.member_id == member.id))
            snapshot = replace(snapshot, offer_github=connected is None)
        return snapshot

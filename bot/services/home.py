"""What a member's App Home shows, read in one go: stage, progress, recent wins, settings, next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.models import Member
from bot.services.brag import EntrySummary, count_entries, recent_entries, summarize
from bot.services.digest import TeamDigest, build_team_digest
from bot.services.progress import StageProgress, evidence_counts, stage_progress
from bot.services.settings import MemberSettings, settings_of
from content import Content, Criterion, Tactic

RECENT_WINS = 10
TEAM_WINDOW = timedelta(days=7)
"""How many wins Home lists; the export has them all."""


@dataclass(frozen=True)
class NextStep:
    """A short "what to do next": an exit criterion with no evidence yet, and a habit that helps."""

    criterion: Criterion | None
    tactic: Tactic | None


@dataclass(frozen=True)
class HomeSnapshot:
    settings: MemberSettings
    progress: StageProgress | None
    recent: list[EntrySummary]
    total_entries: int
    next_step: NextStep | None
    team: TeamDigest | None = None
    """For a manager: the reports who named them, with what they shared in the last seven days."""


def next_step(content: Content, progress: StageProgress, counts: dict[str, int]) -> NextStep:
    """The first open exit criterion, and the stage's habit with the least evidence so far."""
    criterion = progress.open_criteria[0] if progress.open_criteria else None
    number = progress.stage.number
    fitting = [t for t in content.growth.tactics if t.best_from_stage <= number] or list(content.growth.tactics)
    # Among equally unpractised habits, the one meant for the latest stage fits best.
    tactic = min(fitting, key=lambda t: (counts.get(t.key, 0), -t.best_from_stage))
    return NextStep(criterion=criterion, tactic=tactic)


def home_snapshot(
    session: Session, content: Content, member: Member, recent: int = RECENT_WINS, now: datetime | None = None
) -> HomeSnapshot:
    progress: StageProgress | None = None
    step: NextStep | None = None
    if member.stage is not None:
        counts = evidence_counts(session, [member.id])[member.id]
        progress = stage_progress(content, member.stage, counts)
        step = next_step(content, progress, counts)
    return HomeSnapshot(
        settings=settings_of(member, now),
        progress=progress,
        recent=[summarize(content, entry) for entry in recent_entries(session, member.id, recent)],
        total_entries=count_entries(session, member.id),
        next_step=step,
        team=_team(session, content, member, now) if now is not None else None,
    )


def _team(session: Session, content: Content, member: Member, now: datetime) -> TeamDigest | None:
    digest = build_team_digest(session, content, member.workspace_id, member.slack_user_id, now - TEAM_WINDOW, now)
    return digest if digest.reports else None

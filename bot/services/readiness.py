"""Growth figures counted in the database: a member's or a whole team's trend and sustained readiness.

- **Sustained readiness.** Evidence for every exit criterion *and* next-stage evidence spread over at
  least ``months`` of the last ``window`` calendar months. Next-stage evidence is defined once, in
  :func:`team_figures` (SQL, with the decided / proposed matched on their text); one member's own
  readiness (:func:`member_readiness`) is a team of one.
- **Trend.** Wins that are evidence of something per month over the window, for the manager's Home.

Callers pass what the viewer may see (a manager: shared wins only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence, GrowthSignal, Member, Visibility
from bot.services.items import matcher_for
from bot.services.months import add_months, last_months, month_of, month_start, window_start
from bot.services.progress import SHARED_WITH_MANAGER, StageProgress
from content import Content, Criterion, SignalRules, Stage

READINESS_MONTHS = 3
"""Months with next-stage evidence that make readiness sustained (the default of the setting
STAGECOACH_READINESS_MONTHS, which bot/settings.py repeats: settings sit below services)."""
READINESS_WINDOW = 6
"""Calendar months those are counted over (the default of STAGECOACH_READINESS_WINDOW_MONTHS)."""


@dataclass(frozen=True)
class MonthEvidence:
    month: date
    count: int

    @property
    def label(self) -> str:
        return f"{self.month:%b %Y}"


@dataclass(frozen=True)
class Readiness:
    """Whether a member "may be ready for the next stage", and if not, what is missing."""

    next_stage: Stage | None
    missing_criteria: list[Criterion]
    months: list[MonthEvidence]
    """Next-stage evidence per month over the window, oldest first."""
    months_needed: int

    @property
    def months_with_evidence(self) -> int:
        return sum(1 for month in self.months if month.count)

    @property
    def months_without_evidence(self) -> list[MonthEvidence]:
        return [month for month in self.months if not month.count]

    @property
    def sustained(self) -> bool:
        return self.months_with_evidence >= self.months_needed

    @property
    def may_be_ready(self) -> bool:
        return self.next_stage is not None and not self.missing_criteria and self.sustained


@dataclass(frozen=True)
class TeamFigures:
    """Per report: evidence per month (the trend) and next-stage evidence per month (for readiness)."""

    calendar: list[date]
    trend: dict[int, Counter[date]]
    next_stage: dict[int, Counter[date]]

    def trend_of(self, member_id: int) -> list[MonthEvidence]:
        counts = self.trend.get(member_id, Counter())
        return [MonthEvidence(month, counts[month]) for month in self.calendar]

    def readiness_of(self, content: Content, member_id: int, progress: StageProgress, months: int) -> Readiness:
        counts = self.next_stage.get(member_id, Counter())
        return Readiness(
            next_stage=content.next_stage(progress.stage.number),
            missing_criteria=progress.open_criteria,
            months=[MonthEvidence(month, counts[month]) for month in self.calendar],
            months_needed=min(months, len(self.calendar)),
        )


def _month_bucket(tz: ZoneInfo, calendar: list[date]) -> Any:
    """SQL: the index in ``calendar`` of the local month a win was created in (portable: timestamp comparisons)."""
    ends = [*calendar[1:], add_months(calendar[-1], 1)]
    starts_utc = [month_start(end, tz) for end in ends]
    return case(*((BragEntry.created_at < end, index) for index, end in enumerate(starts_utc)), else_=None)


def team_figures(
    session: Session,
    content: Content,
    rules: SignalRules,
    stages: dict[int, int],
    tz: ZoneInfo,
    now: datetime,
    window: int,
    visibilities: Collection[str] = SHARED_WITH_MANAGER,
    *,
    with_trend: bool = True,
) -> TeamFigures:
    """``stages``: ``{member_id: stage}``. Shared wins only (``visibilities``: the audience a digest or Home
    is for; a channel digest counts only what was shared with the channel): this is what a manager sees.

    Three grouped queries whatever the team's size (two ``with_trend=False``): the digest benchmark (50 reports,
    20,000 wins, ~5,000 shared in the window) spent ~120 ms per build (profiled) turning every win into a Python
    object for the same figures; with these queries the build's median went from 354 ms to 80-140 ms on this
    shared machine.
    """
    calendar = last_months(now, tz, window)
    trend: dict[int, Counter[date]] = {member_id: Counter() for member_id in stages}
    ahead: dict[int, Counter[date]] = {member_id: Counter() for member_id in stages}
    if not stages:
        return TeamFigures(calendar, trend, ahead)
    bucket = _month_bucket(tz, calendar).label("bucket")
    shared = (
        BragEntry.member_id.in_(list(stages)),
        BragEntry.visibility.in_(list(visibilities)),
        BragEntry.created_at >= window_start(now, tz, window),
        BragEntry.created_at <= now,
    )
    has_evidence = select(BragEvidence.entry_id).where(BragEvidence.entry_id == BragEntry.id).exists()
    rows = (
        session.execute(
            select(BragEntry.member_id, bucket, func.count())
            .where(
                *shared,
                or_(and_(BragEntry.growth_signal.is_not(None), BragEntry.growth_signal_chosen.is_(True)), has_evidence),
            )
            .group_by(BragEntry.member_id, bucket)
        )
        if with_trend
        else ()
    )
    for member_id, index, count in rows:
        if index is not None:
            trend[member_id][calendar[index]] += int(count)
    # Next-stage evidence, defined here only: a report's win that is evidence for one of the next stage's
    # exit criteria (what the person confirmed), or a decided / proposed the person picked that matches
    # one of the next stage's "You decide" / "You propose" items (below).
    following = {stage.number: content.next_stage(stage.number) for stage in content.stages}
    next_key = or_(
        *(
            and_(Member.stage == number, BragEvidence.evidence_key.in_([c.key for c in after.exit_criteria]))
            for number, after in following.items()
            if after is not None
        )
    )
    rows = session.execute(
        select(BragEntry.member_id, bucket, func.count(func.distinct(BragEntry.id)))
        .join(BragEvidence, BragEvidence.entry_id == BragEntry.id)
        .join(Member, Member.id == BragEntry.member_id)
        .where(*shared, next_key)
        .group_by(BragEntry.member_id, bucket)
    )
    for member_id, index, count in rows:
        if index is not None:
            ahead[member_id][calendar[index]] += int(count)
    # Next-stage decisions and proposals: few rows, matched on their text.
    matcher = matcher_for(content, rules)
    signals = (GrowthSignal.DECIDED, GrowthSignal.PROPOSED)
    for member_id, created_at, what, signal in session.execute(
        select(BragEntry.member_id, BragEntry.created_at, BragEntry.what, BragEntry.growth_signal).where(
            *shared, BragEntry.growth_signal.in_(signals), BragEntry.growth_signal_chosen.is_(True)
        )
    ):
        after = following.get(stages[member_id])
        if after is None:
            continue  # no stage, or the last one: nothing is "next stage"
        item = matcher.match(content, stages[member_id], signal, what)
        if item is not None and item.stage == after.number:
            ahead[member_id][month_of(created_at, tz)] += 1
    return TeamFigures(calendar, trend, ahead)


def member_readiness(
    session: Session,
    content: Content,
    rules: SignalRules,
    member_id: int,
    progress: StageProgress,
    tz: ZoneInfo,
    now: datetime,
    *,
    months: int,
    window: int,
    visibilities: Collection[str] = tuple(Visibility),
) -> Readiness:
    """One member's readiness, counted as a team of one: next-stage evidence has one definition (above).
    ``visibilities``: every win for the member's own Home; what was shared for a manager's view."""
    stages = {member_id: progress.stage.number}
    # Without the trend (Home shows the member's quarters instead): two queries, not three.
    figures = team_figures(session, content, rules, stages, tz, now, window, visibilities, with_trend=False)
    return figures.readiness_of(content, member_id, progress, months)

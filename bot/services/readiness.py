"""Sustained readiness and the monthly trend, for one member (Python, over loaded wins).

- **Sustained readiness.** :func:`readiness`: evidence for every exit criterion *and* next-stage
  evidence spread over at least ``months`` of the last ``window`` calendar months.
- **Trend.** :func:`monthly_trend`: evidence per month over the window, for the manager's Home.

Callers pass what the viewer may see (a manager: shared wins only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.services.growth_wins import GrowthWin, is_next_stage_evidence
from bot.services.items import matcher_for
from bot.services.months import last_months, month_of
from bot.services.progress import StageProgress
from content import Content, Criterion, SignalRules, Stage


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


def readiness(
    content: Content,
    rules: SignalRules,
    progress: StageProgress,
    wins: Sequence[GrowthWin],
    tz: ZoneInfo,
    now: datetime,
    *,
    months: int,
    window: int,
) -> Readiness:
    """``progress`` and ``wins`` must be of the same audience (all wins for the member, shared for a manager)."""
    matcher = matcher_for(content, rules)
    stage_number = progress.stage.number
    calendar = last_months(now, tz, window)
    counts: Counter[date] = Counter()
    for win in wins:
        month = month_of(win.created_at, tz)
        if month in calendar and win.created_at <= now and is_next_stage_evidence(content, matcher, stage_number, win):
            counts[month] += 1
    return Readiness(
        next_stage=content.next_stage(stage_number),
        missing_criteria=progress.open_criteria,
        months=[MonthEvidence(month, counts[month]) for month in calendar],
        months_needed=min(months, window),
    )


def monthly_trend(wins: Sequence[GrowthWin], tz: ZoneInfo, now: datetime, window: int) -> list[MonthEvidence]:
    """Wins that are evidence of something (an exit criterion, a tactic, a decide/propose/learn the person
    picked) per month."""
    calendar = last_months(now, tz, window)
    counts: Counter[date] = Counter(
        month_of(win.created_at, tz)
        for win in wins
        if (win.evidence_keys or (win.signal and win.signal_chosen)) and win.created_at <= now
    )
    return [MonthEvidence(month, counts[month]) for month in calendar]

"""Progress against exit criteria: which of a stage's criteria have evidence in the brag document."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence, Visibility
from content import Content, Criterion, Stage


@dataclass(frozen=True)
class CriterionProgress:
    criterion: Criterion
    evidence_count: int

    @property
    def has_evidence(self) -> bool:
        return self.evidence_count > 0


@dataclass(frozen=True)
class StageProgress:
    stage: Stage
    criteria: list[CriterionProgress]

    @property
    def with_evidence(self) -> int:
        return sum(1 for c in self.criteria if c.has_evidence)

    @property
    def total(self) -> int:
        return len(self.criteria)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.with_evidence == self.total

    @property
    def open_criteria(self) -> list[Criterion]:
        return [c.criterion for c in self.criteria if not c.has_evidence]


SHARED_WITH_MANAGER = (Visibility.MANAGER, Visibility.TEAM_CHANNEL)
"""Every audience that includes the member's manager."""


def evidence_counts(
    session: Session,
    member_ids: Iterable[int],
    *,
    shared_only: bool = False,
    since: datetime | None = None,
    visibilities: Collection[str] | None = None,
) -> dict[int, dict[str, int]]:
    """``{member_id: {evidence_key: number of entries}}`` in one query for any number of members.

    ``shared_only`` counts what the member's manager may see (shared with them, or with their team
    channel); ``visibilities`` narrows to exactly those audiences (a channel digest counts only
    what was shared with the channel).
    """
    ids = list(member_ids)
    if not ids:
        return {}
    query = (
        select(BragEntry.member_id, BragEvidence.evidence_key, func.count())
        .join(BragEvidence, BragEvidence.entry_id == BragEntry.id)
        .where(BragEntry.member_id.in_(ids))
        .group_by(BragEntry.member_id, BragEvidence.evidence_key)
    )
    if shared_only:
        query = query.where(BragEntry.visibility.in_(SHARED_WITH_MANAGER))
    if visibilities is not None:
        query = query.where(BragEntry.visibility.in_(list(visibilities)))
    if since is not None:
        query = query.where(BragEntry.created_at >= since)
    counts: dict[int, dict[str, int]] = {member_id: {} for member_id in ids}
    for member_id, key, count in session.execute(query):
        counts[member_id][key] = int(count)
    return counts


def stage_progress(content: Content, stage_number: int, counts: dict[str, int]) -> StageProgress:
    stage = content.stage(stage_number)
    return StageProgress(
        stage=stage,
        criteria=[CriterionProgress(c, counts.get(c.key, 0)) for c in stage.exit_criteria],
    )


def member_progress(
    session: Session, content: Content, member_id: int, stage_number: int, *, shared_only: bool = False
) -> StageProgress:
    counts = evidence_counts(session, [member_id], shared_only=shared_only)[member_id]
    return stage_progress(content, stage_number, counts)

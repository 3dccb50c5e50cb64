"""The member's biggest gap: the one exit criterion of their stage the weekly prompt asks about.

Criteria with no evidence come first (rotating weekly among them, so one hard-to-show criterion
does not take every Friday); when each has some, the one whose latest evidence is oldest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence
from content import Content, Criterion
from content.signals import check_gap_questions, load_gap_questions


@dataclass(frozen=True)
class EvidenceStat:
    count: int
    latest: datetime | None


@dataclass(frozen=True)
class Gap:
    criterion: Criterion
    question: str
    evidence_count: int
    latest: datetime | None


def evidence_stats(session: Session, member_id: int) -> dict[str, EvidenceStat]:
    """Per evidence key: how many of the member's wins show it, and when the latest was saved."""
    rows = session.execute(
        select(BragEvidence.evidence_key, func.count(), func.max(BragEntry.created_at))
        .join(BragEntry, BragEvidence.entry_id == BragEntry.id)
        .where(BragEntry.member_id == member_id)
        .group_by(BragEvidence.evidence_key)
    )
    return {key: EvidenceStat(int(count), latest) for key, count, latest in rows}


def pick_gap(content: Content, stage: int, stats: dict[str, EvidenceStat], week: int) -> Gap:
    questions = load_gap_questions()
    check_gap_questions(content, questions)
    criteria = content.stage(stage).exit_criteria
    empty = [c for c in criteria if c.key not in stats or stats[c.key].count == 0]
    if empty:
        chosen = empty[week % len(empty)]
    else:
        # Every criterion has evidence: the stalest, then the thinnest, then content order.
        chosen = min(
            criteria, key=lambda c: (stats[c.key].latest or datetime.min.replace(tzinfo=UTC), stats[c.key].count)
        )
    stat = stats.get(chosen.key, EvidenceStat(0, None))
    return Gap(chosen, questions[chosen.key], stat.count, stat.latest)


def member_gap(session: Session, content: Content, member_id: int, stage: int, week: int) -> Gap:
    return pick_gap(content, stage, evidence_stats(session, member_id), week)

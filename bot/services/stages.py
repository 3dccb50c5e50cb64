"""Stage guidance: what a ``/stage`` request means, a member's own stage, the self-assessment."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import Member
from content import Content, Stage


class StageQueryKind(StrEnum):
    OWN = "own"
    STAGE = "stage"
    PRINCIPLES = "principles"
    TRACKS = "tracks"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StageQuery:
    kind: StageQueryKind
    stage: Stage | None = None
    text: str = ""


def parse_stage_query(content: Content, text: str) -> StageQuery:
    """``/stage`` argument → what to show. Numbers, names and partial names all work."""
    cleaned = text.strip()
    lowered = cleaned.lower()
    if not cleaned:
        return StageQuery(StageQueryKind.OWN)
    if lowered in {"principles", "principle", "core principles"}:
        return StageQuery(StageQueryKind.PRINCIPLES)
    if lowered in {"tracks", "track", "ladder", "ladders", "levels"}:
        return StageQuery(StageQueryKind.TRACKS)
    if lowered in {"help", "?", "list", "all"}:
        return StageQuery(StageQueryKind.HELP)
    stage = content.find_stage(cleaned)
    if stage is not None:
        return StageQuery(StageQueryKind.STAGE, stage=stage)
    return StageQuery(StageQueryKind.UNKNOWN, text=cleaned)


def set_stage(member: Member, stage_number: int, now: datetime) -> None:
    if not 1 <= stage_number <= 5:
        raise ValueError(f"stage must be 1..5, got {stage_number}")
    if member.stage == stage_number:
        return
    # Remembered so the manager can be told what changes for them (bot/nudges/planners/stage_changed.py).
    member.previous_stage = member.stage
    member.stage = stage_number
    member.stage_set_at = now


def own_stage(content: Content, member: Member | None) -> Stage | None:
    if member is None or member.stage is None:
        return None
    return content.stage(member.stage)


@dataclass(frozen=True)
class Assessment:
    suggested: Stage
    answers: dict[str, int]
    spread: int
    """Highest minus lowest answer: a wide spread means the work straddles stages."""


def assess(content: Content, answers: dict[str, int]) -> Assessment:
    """Suggest the stage the answers point to: the median, rounded down (stages are earned)."""
    known = {q.key for q in content.growth.self_assessment}
    picked = {key: value for key, value in answers.items() if key in known and 1 <= value <= 5}
    if not picked:
        raise ValueError("no valid answers")
    median = statistics.median_low(picked.values())
    return Assessment(
        suggested=content.stage(int(median)),
        answers=picked,
        spread=max(picked.values()) - min(picked.values()),
    )


def load_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise LookupError(f"member {member_id} not found")
    return member


def stage_of(db: Database, member_id: int) -> int | None:
    """The member's stage (1-5; None before they pick one), read in a transaction of its own."""
    with db.transaction() as session:
        return load_member(session, member_id).stage

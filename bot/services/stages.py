"""Stage guidance: what a ``/stage`` request means, a member's own stage, the self-assessment."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.db import hot
from bot.db.engine import Database
from bot.db.models import Member
from bot.services.progress import StageProgress, evidence_counts, stage_progress
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


STAGE_NUMBERS = range(1, 6)
"""The roadmap's five stages; a number outside them names no stage."""


def stage_number(value: str | None) -> int | None:
    """A stage number as a button, menu or form sends it (``"3"``); None for anything that is no stage."""
    if value is None or not value.isdigit() or int(value) not in STAGE_NUMBERS:
        return None
    return int(value)


def set_stage(member: Member, number: int, now: datetime) -> None:
    if number not in STAGE_NUMBERS:
        raise ValueError(f"stage must be 1..5, got {number}")
    if member.stage == number:
        return
    # Remembered so the manager can be told what changes for them (bot/nudges/kinds/stage_changed.py).
    member.previous_stage = member.stage
    member.stage = number
    member.stage_set_at = now


@dataclass(frozen=True)
class Assessment:
    suggested: Stage
    answers: dict[str, int]
    spread: int
    """Highest minus lowest answer: a wide spread means the work straddles stages."""


def assess(content: Content, answers: dict[str, int]) -> Assessment:
    """Suggest the stage the answers point to: the median, rounded down (stages are earned)."""
    known = {q.key for q in content.growth.self_assessment}
    picked = {key: value for key, value in answers.items() if key in known and value in STAGE_NUMBERS}
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
    """The member's stage (1-5; None before they pick one), read on its own: a
    :class:`~bot.db.hot.HotStatement` (0.40 -> 0.03 ms in the bot's conditions, bot/db/hot.py)."""
    stage = hot.first(db, _HOT_STAGE, member_id=member_id)
    if stage is None:
        raise LookupError(f"member {member_id} not found")
    return cast(int | None, stage[0])


_HOT_STAGE = hot.HotStatement(select(Member.__table__.c.stage).where(Member.__table__.c.id == bindparam("member_id")))


def choose_stage(db: Database, member_id: int, number: int, now: datetime) -> None:
    """The member picks their stage (a ``/stage`` button or menu), in a transaction of its own."""
    with db.transaction() as session:
        set_stage(load_member(session, member_id), number, now)


def own_progress(db: Database, content: Content, member_id: int) -> StageProgress | None:
    """The member's progress on their own stage's exit criteria (confirmed evidence, every audience);
    None before they pick a stage."""
    with db.transaction() as session:
        number = load_member(session, member_id).stage
        if number is None:
            return None
        counts = evidence_counts(session, [member_id])
        return stage_progress(content, number, counts.get(member_id, {}))

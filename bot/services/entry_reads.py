"""Brag entries read back: as plain data (safe after the session closes), newest first, counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, EntrySource, GrowthSignal, Member, Visibility
from content import Content


@dataclass(frozen=True)
class EntrySummary:
    """A brag entry as plain data, safe to use after its session has closed."""

    id: int
    what: str
    impact: str | None
    lesson: str | None
    link: str | None
    visibility: Visibility
    source: EntrySource
    credited_user_id: str | None
    created_at: datetime
    updated_at: datetime
    evidence_keys: tuple[str, ...]
    growth_signal: GrowthSignal | None = None
    suggested_keys: tuple[str, ...] = ()
    """Suggested evidence not yet confirmed (it counts for nothing until it is)."""
    growth_signal_chosen: bool = False
    """The member picked the signal; a guessed one never counts as next-stage evidence."""


def summarize(content: Content, entry: BragEntry) -> EntrySummary:
    return EntrySummary(
        id=entry.id,
        what=entry.what,
        impact=entry.impact,
        lesson=entry.lesson,
        link=entry.link,
        visibility=entry.visibility,
        source=entry.source,
        credited_user_id=entry.credited_user_id,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        evidence_keys=tuple(in_content_order(content, entry.evidence_keys)),
        growth_signal=entry.growth_signal,
        suggested_keys=tuple(key for key in entry.suggested_keys if content.evidence_label(key) is not None),
        growth_signal_chosen=entry.growth_signal_chosen,
    )


def in_content_order(content: Content, keys: Iterable[str]) -> list[str]:
    """Evidence keys in the order the content lists them (stage 1's criteria first, tactics last)."""
    order = content.evidence_order
    return sorted(set(keys), key=lambda key: (order.get(key, len(order)), key))


def entries_from_message(session: Session, member: Member, channel_id: str, ts: str) -> list[BragEntry]:
    """The member's wins written in one DM message, in the order its lines came."""
    return list(
        session.scalars(
            select(BragEntry)
            .where(BragEntry.member_id == member.id, BragEntry.slack_channel_id == channel_id, BragEntry.slack_ts == ts)
            .order_by(BragEntry.id)
        )
    )


def recent_entries(session: Session, member_id: int, limit: int, offset: int = 0) -> list[BragEntry]:
    """The member's newest entries, newest first (``offset`` skips that many, for paging)."""
    return list(
        session.scalars(
            select(BragEntry)
            .where(BragEntry.member_id == member_id)
            .order_by(BragEntry.created_at.desc(), BragEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def all_entries(session: Session, member_id: int) -> list[BragEntry]:
    """Every entry the member has, oldest first."""
    return list(
        session.scalars(
            select(BragEntry).where(BragEntry.member_id == member_id).order_by(BragEntry.created_at, BragEntry.id)
        )
    )


def count_entries(session: Session, member_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(BragEntry).where(BragEntry.member_id == member_id)) or 0)

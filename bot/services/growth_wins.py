"""Wins as growth evidence: what growth needs of each, loaded for any number of members at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, literal, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence, GrowthSignal
from bot.services.progress import SHARED_WITH_MANAGER


@dataclass(frozen=True)
class GrowthWin:
    """What growth needs of a win: when, what it says, its signal and its exit-criteria keys."""

    created_at: datetime
    what: str
    signal: GrowthSignal | None
    evidence_keys: tuple[str, ...]
    signal_chosen: bool = False
    """The member picked the signal: only then can a decided / proposed count as next-stage evidence."""


def load_wins(
    session: Session, member_ids: Sequence[int], *, shared_only: bool, since: datetime | None = None
) -> dict[int, list[GrowthWin]]:
    """``{member_id: wins oldest first}`` in one query for any number of members.

    ``shared_only``: what a manager may see (wins the report shared), never the private ones. A win's
    text is read only when it carries a signal (nothing else is matched on it). Used for one member's own
    Home and brag document; a team's figures come from :func:`team_figures`, counted in the database.
    """
    wins: dict[int, list[GrowthWin]] = {member_id: [] for member_id in member_ids}
    if not member_ids:
        return wins
    text = case((BragEntry.growth_signal.is_not(None), BragEntry.what), else_=literal(""))
    query = (
        select(BragEntry.id, BragEntry.member_id, BragEntry.created_at, text, BragEntry.growth_signal)
        .add_columns(BragEvidence.evidence_key, BragEntry.growth_signal_chosen)
        .outerjoin(BragEvidence, BragEvidence.entry_id == BragEntry.id)
        .where(BragEntry.member_id.in_(list(member_ids)))
    )
    if shared_only:
        query = query.where(BragEntry.visibility.in_(SHARED_WITH_MANAGER))
    if since is not None:
        query = query.where(BragEntry.created_at >= since)
    rows = session.execute(query.order_by(BragEntry.created_at, BragEntry.id)).all()
    index = 0
    while index < len(rows):
        entry_id, member_id, created_at, what, signal, key, chosen = rows[index]
        keys = [key] if key is not None else []
        index += 1
        while index < len(rows) and rows[index][0] == entry_id:
            keys.append(rows[index][5])
            index += 1
        wins[member_id].append(GrowthWin(created_at, what or "", signal, tuple(sorted(keys)), bool(chosen)))
    return wins

"""Brag entries in the database: saving, editing, confirming evidence and deleting, each checking ownership.

Suggested evidence is kept apart from the evidence (``BragEntry.suggested_evidence``) until the member
confirms it: :func:`pending` writes that list and :func:`pending_keys` reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence, EntrySource, GrowthSignal, Member
from bot.services.evidence import suggest_evidence
from bot.services.signals import KEEP, SUGGEST, parse_signal, suggest_signal
from bot.services.win_input import (
    MAX_IMPACT,
    MAX_LESSON,
    WinInput,
    clean,
    clean_evidence,
    clean_link,
    clean_what,
)
from content import Content, load_signal_rules


class NotYourEntry(PermissionError):
    """The acting member does not own the entry (or it no longer exists)."""


def pending(suggested: Iterable[str], confirmed: Iterable[str]) -> str | None:
    """``BragEntry.suggested_evidence``: the suggestions not (yet) confirmed, in their order; None for none."""
    settled = set(confirmed)
    return ",".join(key for key in suggested if key not in settled) or None


def pending_keys(stored: str | None) -> list[str]:
    """The suggestions :func:`pending` stored, in their order."""
    return [key for key in (stored or "").split(",") if key]


def create_entry(
    session: Session,
    content: Content,
    member: Member,
    win: WinInput,
    *,
    now: datetime,
    source: EntrySource = EntrySource.COMMAND,
    credited_user_id: str | None = None,
    suggested_keys: Iterable[str] = (),
    slack_channel_id: str | None = None,
    slack_ts: str | None = None,
) -> BragEntry:
    """Save a win. Private unless the member chose otherwise (here or in their default).

    ``suggested_keys`` are kept apart from the evidence until the member confirms them.
    """
    entry = BragEntry(
        member_id=member.id,
        what=clean_what(win.what),
        impact=clean(win.impact, "impact", MAX_IMPACT),
        lesson=clean(win.lesson, "lesson", MAX_LESSON),
        link=clean_link(win.link),
        visibility=win.visibility or member.default_visibility,
        source=source,
        credited_user_id=credited_user_id,
        created_at=now,
        updated_at=now,
        slack_channel_id=slack_channel_id,
        slack_ts=slack_ts,
    )
    entry.growth_signal = _signal(SUGGEST if win.growth_signal == KEEP else win.growth_signal, entry.what)
    entry.growth_signal_chosen = win.growth_signal not in (KEEP, SUGGEST)
    entry.evidence = [BragEvidence(evidence_key=key) for key in clean_evidence(content, win.evidence_keys)]
    entry.suggested_evidence = pending(clean_evidence(content, suggested_keys), entry.evidence_keys)
    session.add(entry)
    if member.stage is None and member.prompts_chosen_at is None:
        # Perhaps their first win, which makes them eligible for weekly prompts (issue #22): the weekly planner
        # looks at them again at the next tick instead of at next week's occurrence.
        member.prompt_due_at = None
    session.flush()
    return entry


def _signal(value: str | None, what: str) -> GrowthSignal | None:
    if value == SUGGEST:
        return suggest_signal(load_signal_rules(), what)
    return parse_signal(value)


def set_growth_signal(session: Session, member: Member, entry_id: int, value: str | None, now: datetime) -> BragEntry:
    """One tap: the win becomes decided / proposed / learned (or neither). Only its owner may."""
    entry = owned_entry(session, member, entry_id)
    entry.growth_signal = parse_signal(value)
    entry.growth_signal_chosen = True
    entry.updated_at = now
    session.flush()
    return entry


def named(entry_id: int | None) -> int:
    """The entry a request names; a request naming none (a malformed button) is refused as not the member's."""
    if entry_id is None:
        raise NotYourEntry(entry_id)
    return entry_id


def owned_entry(session: Session, member: Member, entry_id: int) -> BragEntry:
    """The entry, if ``member`` owns it; otherwise NotYourEntry (and nothing is revealed)."""
    entry = session.get(BragEntry, entry_id)
    if entry is None or entry.member_id != member.id:
        raise NotYourEntry(entry_id)
    return entry


def update_entry(
    session: Session, content: Content, member: Member, entry_id: int, win: WinInput, now: datetime
) -> BragEntry:
    """Replace an entry's details. Only its owner may; the same limits as a new entry apply."""
    entry = owned_entry(session, member, entry_id)
    cleaned_what = clean_what(win.what)
    cleaned_impact = clean(win.impact, "impact", MAX_IMPACT)
    cleaned_lesson = clean(win.lesson, "lesson", MAX_LESSON)
    cleaned_link = clean_link(win.link)
    wanted = clean_evidence(content, win.evidence_keys)
    entry.impact = cleaned_impact
    entry.lesson = cleaned_lesson
    entry.link = cleaned_link
    if win.visibility is not None:
        entry.visibility = win.visibility
    text_changed = cleaned_what != entry.what
    entry.what = cleaned_what
    if win.growth_signal != KEEP:
        entry.growth_signal = _signal(win.growth_signal, cleaned_what)
        entry.growth_signal_chosen = win.growth_signal != SUGGEST
    # What the form saved is the member's choice. The form preselects nothing, so a suggestion left
    # unpicked stays a suggestion (still counting for nothing); a new text gets fresh ones.
    suggested = suggest_evidence(content, cleaned_what, member.stage) if text_changed else entry.suggested_keys
    _settle_evidence(session, entry, wanted, now)
    entry.suggested_evidence = pending(suggested, wanted)
    session.flush()
    return entry


def set_evidence(
    session: Session, content: Content, member: Member, entry_id: int, keys: Iterable[str], now: datetime
) -> BragEntry:
    """Make ``keys`` the entry's evidence (confirming or changing a suggestion); suggestions are settled."""
    return _settle_evidence(session, owned_entry(session, member, entry_id), clean_evidence(content, keys), now)


def _settle_evidence(session: Session, entry: BragEntry, wanted: list[str], now: datetime) -> BragEntry:
    """Make ``wanted`` the entry's evidence and clear its pending suggestions.

    Keeps the rows whose key stays (same primary key), drops the rest, adds the new ones: replacing
    the whole collection would insert a duplicate key before deleting the old row.
    """
    kept = [item for item in entry.evidence if item.evidence_key in wanted]
    have = {item.evidence_key for item in kept}
    entry.evidence = kept + [BragEvidence(evidence_key=key) for key in wanted if key not in have]
    entry.suggested_evidence = None
    entry.updated_at = now
    session.flush()
    return entry


def confirm_suggestion(
    session: Session, content: Content, member: Member, entry_id: int, key: str | None, now: datetime
) -> BragEntry:
    """One tap confirms one suggestion: ``key`` becomes evidence, the other suggestions stay pending.

    A key that is not (or no longer) suggested for the entry changes nothing: a second tap on a card
    that was already redrawn must not confirm something the person never saw."""
    entry = owned_entry(session, member, entry_id)
    suggested = entry.suggested_keys
    if key is None or key not in suggested or content.evidence_label(key) is None:
        return entry
    if key not in entry.evidence_keys:
        entry.evidence.append(BragEvidence(evidence_key=key))
    entry.suggested_evidence = pending(suggested, [key])
    entry.updated_at = now
    session.flush()
    return entry


def suggest_for(
    session: Session, content: Content, member: Member, entry_id: int, suggestions: Iterable[str], now: datetime
) -> BragEntry:
    """Replace the pending suggestions of an entry whose text changed (confirmed evidence stays)."""
    entry = owned_entry(session, member, entry_id)
    entry.suggested_evidence = pending(clean_evidence(content, suggestions), entry.evidence_keys)
    entry.updated_at = now
    session.flush()
    return entry


def delete_entry(session: Session, member: Member, entry_id: int) -> None:
    """Delete an entry (and its evidence). Only its owner may."""
    entry = owned_entry(session, member, entry_id)
    session.delete(entry)
    session.flush()

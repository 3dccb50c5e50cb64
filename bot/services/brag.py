"""The brag document: saving wins and what they are evidence for. Every change checks ownership."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, BragEvidence, EntrySource, GrowthSignal, Member, Visibility
from bot.services import prompts
from bot.services.evidence import suggest_evidence
from bot.services.items import Item, win_item
from bot.services.signals import KEEP as KEEP  # re-exported: callers pass brag.KEEP / brag.SUGGEST
from bot.services.signals import SUGGEST as SUGGEST
from bot.services.signals import parse_signal, suggest_signal
from bot.services.stages import load_member
from bot.services.storable import storable
from content import Content, load_signal_rules

log = logging.getLogger(__name__)

MAX_WHAT = 2000
MAX_IMPACT = 2000
MAX_LESSON = 1000
MAX_LINK = 1000
MAX_EVIDENCE = 10


class EntryInputError(ValueError):
    """Input a person can fix; ``field`` names the form field, the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotYourEntry(PermissionError):
    """The acting member does not own the entry (or it no longer exists)."""


def _clean(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    text = storable(value or "").strip()
    if not text:
        if required:
            raise EntryInputError(field, "Tell me what you did: one sentence is enough.")
        return None
    if len(text) > limit:
        raise EntryInputError(field, f"That's {len(text):,} characters; please keep it under {limit:,}.")
    return text


def clean_what(value: str) -> str:
    """A win's text, checked as every path checks it."""
    cleaned = _clean(value, "what", MAX_WHAT, required=True)
    assert cleaned is not None
    return cleaned


def _clean_link(value: str | None) -> str | None:
    link = _clean(value, "link", MAX_LINK)
    if link is not None and not link.startswith(("https://", "http://")):
        raise EntryInputError("link", "Links need to start with https:// (or http://).")
    return link


def _clean_evidence(content: Content, keys: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(keys))
    unknown = [key for key in unique if content.evidence_label(key) is None]
    if unknown:
        raise EntryInputError("evidence", "Some of the picked criteria no longer exist; please pick again.")
    if len(unique) > MAX_EVIDENCE:
        raise EntryInputError("evidence", f"Pick at most {MAX_EVIDENCE} criteria or tactics.")
    return unique


@dataclass(frozen=True)
class WinInput:
    """What a person wrote about a win: the win form's fields, or one line of ``/win`` or a DM.

    Checked as every path checks it when it is saved (:func:`create_entry`, :func:`update_entry`).
    """

    what: str
    impact: str | None = None
    lesson: str | None = None
    link: str | None = None
    evidence_keys: Sequence[str] = ()
    visibility: Visibility | None = None
    """None: the member's default for a new win, unchanged for an edit."""
    growth_signal: str | None = KEEP
    """decided / proposed / learned, None for neither, :data:`SUGGEST` to suggest one from the text, or
    :data:`KEEP` (the default): an edit leaves it as it is; a new win has none to keep, so it is suggested."""


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
        impact=_clean(win.impact, "impact", MAX_IMPACT),
        lesson=_clean(win.lesson, "lesson", MAX_LESSON),
        link=_clean_link(win.link),
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
    entry.evidence = [BragEvidence(evidence_key=key) for key in _clean_evidence(content, win.evidence_keys)]
    confirmed = set(entry.evidence_keys)
    pending = [key for key in _clean_evidence(content, suggested_keys) if key not in confirmed]
    entry.suggested_evidence = ",".join(pending) or None
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


# -- reading, editing, deleting ------------------------------------------------------------------


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
    order = {c.key: index for index, c in enumerate(c for s in content.stages for c in s.exit_criteria)}
    offset = len(order)
    order.update({t.key: offset + index for index, t in enumerate(content.growth.tactics)})
    return sorted(set(keys), key=lambda key: (order.get(key, len(order)), key))


@dataclass(frozen=True)
class Audience:
    """Who the sharing choices would reach for this member, right now."""

    manager_user_id: str | None
    """The manager the member named, if any."""
    channel_id: str | None
    """That manager's team digest channel, if they set one."""

    @property
    def choices(self) -> list[Visibility]:
        """What the member may pick: the channel only once it exists, the manager only once named."""
        offered = [Visibility.PRIVATE]
        if self.manager_user_id is not None:
            offered.append(Visibility.MANAGER)
            if self.channel_id is not None:
                offered.append(Visibility.TEAM_CHANNEL)
        return offered


def audience_of(session: Session, member: Member) -> Audience:
    manager_id = member.manager_slack_user_id
    if manager_id is None:
        return Audience(None, None)
    channel = session.scalar(
        select(Member.digest_channel_id).where(
            Member.workspace_id == member.workspace_id, Member.slack_user_id == manager_id
        )
    )
    return Audience(manager_id, channel)


def check_audience(visibility: Visibility | None, audience: Audience) -> None:
    """Refuse the team channel when there is none (a form opened before the manager turned it off)."""
    if visibility is Visibility.TEAM_CHANNEL and audience.channel_id is None:
        raise EntryInputError(
            "visibility", "Your manager has no team digest channel right now: pick only you, or your manager."
        )


def parse_visibility(value: str | None) -> Visibility | None:
    """A visibility picked in a form; None when nothing was picked."""
    if not value:
        return None
    try:
        return Visibility(value)
    except ValueError:
        raise EntryInputError("visibility", "Pick who can see this win from the list.") from None


def update_entry(
    session: Session, content: Content, member: Member, entry_id: int, win: WinInput, now: datetime
) -> BragEntry:
    """Replace an entry's details. Only its owner may; the same limits as a new entry apply."""
    entry = owned_entry(session, member, entry_id)
    cleaned_what = clean_what(win.what)
    cleaned_impact = _clean(win.impact, "impact", MAX_IMPACT)
    cleaned_lesson = _clean(win.lesson, "lesson", MAX_LESSON)
    cleaned_link = _clean_link(win.link)
    wanted = _clean_evidence(content, win.evidence_keys)
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
    pending = suggest_evidence(content, cleaned_what, member.stage) if text_changed else entry.suggested_keys
    _settle_evidence(session, entry, wanted, now)
    entry.suggested_evidence = ",".join(key for key in pending if key not in wanted) or None
    session.flush()
    return entry


def set_evidence(
    session: Session, content: Content, member: Member, entry_id: int, keys: Iterable[str], now: datetime
) -> BragEntry:
    """Make ``keys`` the entry's evidence (confirming or changing a suggestion); suggestions are settled."""
    return _settle_evidence(session, owned_entry(session, member, entry_id), _clean_evidence(content, keys), now)


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
    pending = entry.suggested_keys
    if key is None or key not in pending or content.evidence_label(key) is None:
        return entry
    if key not in entry.evidence_keys:
        entry.evidence.append(BragEvidence(evidence_key=key))
    entry.suggested_evidence = ",".join(k for k in pending if k != key) or None
    entry.updated_at = now
    session.flush()
    return entry


def suggest_for(
    session: Session, content: Content, member: Member, entry_id: int, suggestions: Iterable[str], now: datetime
) -> BragEntry:
    """Replace the pending suggestions of an entry whose text changed (confirmed evidence stays)."""
    entry = owned_entry(session, member, entry_id)
    confirmed = set(entry.evidence_keys)
    pending = [key for key in _clean_evidence(content, suggestions) if key not in confirmed]
    entry.suggested_evidence = ",".join(pending) or None
    entry.updated_at = now
    session.flush()
    return entry


def entries_from_message(session: Session, member: Member, channel_id: str, ts: str) -> list[BragEntry]:
    """The member's wins written in one DM message, in the order its lines came."""
    return list(
        session.scalars(
            select(BragEntry)
            .where(BragEntry.member_id == member.id, BragEntry.slack_channel_id == channel_id, BragEntry.slack_ts == ts)
            .order_by(BragEntry.id)
        )
    )


def delete_entry(session: Session, member: Member, entry_id: int) -> None:
    """Delete an entry (and its evidence). Only its owner may."""
    entry = owned_entry(session, member, entry_id)
    session.delete(entry)
    session.flush()


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


@dataclass(frozen=True)
class WinForm:
    """What the win modal needs: the member's stage, who may read the win, and what is preset."""

    stage: int | None
    audience: Audience
    visibility: Visibility
    suggested_keys: tuple[str, ...] = ()
    entry: EntrySummary | None = None
    """The win being edited; None for a new one."""


def new_win_form(db: Database, content: Content, member_id: int, what: str = "") -> WinForm:
    """A new win's form: visibility preset to the member's default, evidence suggested for a known text."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        stage, visibility = member.stage, member.default_visibility
        audience = audience_of(session, member)
    if visibility not in audience.choices:
        # The default names an audience that is gone (manager unlinked, channel off): start private.
        visibility = Visibility.PRIVATE
    # A known text (Save as win) gets suggestions, shown beside the picker, never preselected: saving
    # the form must not confirm what the person did not pick (a thank-you counted as next-stage evidence).
    suggested = tuple(suggest_evidence(content, what, stage)) if what.strip() else ()
    return WinForm(stage, audience, visibility, suggested)


def edit_win_form(db: Database, content: Content, member_id: int, entry_id: int | None) -> WinForm:
    """The form for a win the member owns; :class:`NotYourEntry` otherwise."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        entry = summarize(content, owned_entry(session, member, named(entry_id)))
        return WinForm(member.stage, audience_of(session, member), entry.visibility, entry=entry)


# -- the entry points of a request (each owns its transaction) -------------------------------------


@dataclass(frozen=True)
class SavedWin:
    """A win saved from the win form, with what its confirmation shows."""

    entry: EntrySummary
    stage: int | None
    audience: Audience
    item: Item | None
    """The roadmap item the win counts for (None without a stage, or when nothing matches)."""


def save_win(
    db: Database,
    content: Content,
    member_id: int,
    win: WinInput,
    *,
    now: datetime,
    entry_id: int | None = None,
    source: EntrySource = EntrySource.MODAL,
    credited_user_id: str | None = None,
    prompt_id: int | None = None,
) -> SavedWin:
    """The win form's submission: a new win, or an edit of ``entry_id`` (:class:`NotYourEntry` unless the
    member owns it). :class:`EntryInputError` for input the person can fix; either way nothing is saved.

    A new win saved from the weekly prompt's button (``prompt_id``) answers that prompt.
    """
    with db.transaction() as session:
        member = load_member(session, member_id)
        audience = audience_of(session, member)
        check_audience(win.visibility, audience)
        if entry_id is None:
            entry = create_entry(
                session,
                content,
                member,
                win,
                now=now,
                source=source,
                credited_user_id=credited_user_id,
                # What was not picked stays a suggestion, confirmed (or not) one by one in the saved view.
                suggested_keys=suggest_evidence(content, win.what, member.stage),
            )
            if prompt_id is not None:
                _answer_prompt(session, member, prompt_id)
        else:
            entry = update_entry(session, content, member, entry_id, win, now)
        saved = summarize(content, entry)
        return SavedWin(saved, member.stage, audience, win_item(content, member.stage, saved.growth_signal, saved.what))


def _answer_prompt(session: Session, member: Member, prompt_id: int) -> None:
    """A win saved from the weekly prompt's button answers that prompt (see ``NudgeDelivery.answer``)."""
    try:
        prompts.mark_answered_with_win(prompts.owned_prompt(session, member, prompt_id))
    except prompts.NotYourPrompt:
        log.warning("win modal named a prompt that is not the member's", extra={"member": member.id})


def delete_win(db: Database, member_id: int, entry_id: int | None) -> None:
    """Delete a win the member owns; :class:`NotYourEntry` otherwise."""
    with db.transaction() as session:
        delete_entry(session, load_member(session, member_id), named(entry_id))


def credited_for(author: str | None, from_app: bool, actor: str) -> str | None:
    """Whom a message saved as a win credits: someone else's message (typically a thank-you) its author;
    the member's own message, or an app's, nobody."""
    return author if author is not None and not from_app and author != actor else None

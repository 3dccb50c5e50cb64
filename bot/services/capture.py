"""Writing to the bot: a DM (or a reply to the weekly prompt) becomes wins, with suggested evidence.

What a message is (a greeting, a question, wins): :mod:`bot.services.message_kinds`, whose names stay
importable from here. The card a saved win gets (and its buttons: confirm or change evidence, undo,
decided / proposed / learned) is drawn from a :class:`Card`; each entry point below owns its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, EntrySource, Member
from bot.services import brag, prompts
from bot.services.evidence import suggest_evidence
from bot.services.message_kinds import MAX_WINS_PER_MESSAGE as MAX_WINS_PER_MESSAGE
from bot.services.message_kinds import MessageKind as MessageKind
from bot.services.message_kinds import ParsedMessage as ParsedMessage
from bot.services.message_kinds import has_words as has_words
from bot.services.message_kinds import parse_message as parse_message
from bot.services.message_kinds import split_wins as split_wins
from bot.services.stages import load_member
from content import Content


@dataclass(frozen=True)
class Card:
    """Wins as their card shows them, with the member's stage (for growth lines) and who may read them."""

    entries: list[brag.EntrySummary]
    stage: int | None
    audience: brag.Audience
    prompt_answered: bool = False
    """Saved in the thread of the member's weekly prompt, which they answer."""
    unmatched: int = 0
    """After an edit: wins left as they were because the edited message has fewer lines than wins."""
    not_saved: tuple[str, ...] = ()
    """Lines of the message past :data:`MAX_WINS_PER_MESSAGE`, not saved (the answer names them)."""


def _card(
    session: Session,
    member: Member,
    entries: list[brag.EntrySummary],
    prompt_answered: bool = False,
    unmatched: int = 0,
) -> Card:
    return Card(entries, member.stage, brag.audience_of(session, member), prompt_answered, unmatched)


def save_command_win(db: Database, content: Content, member_id: int, text: str, now: datetime) -> Card:
    """``/win <text>``: one win with suggested evidence (:class:`brag.EntryInputError` when it cannot be kept)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        entry = _typed_win(session, content, member, text, now, EntrySource.COMMAND)
        return _card(session, member, [brag.summarize(content, entry)])


def save_dm(
    db: Database,
    content: Content,
    member_id: int,
    wins: tuple[str, ...] | list[str],
    *,
    now: datetime,
    channel_id: str,
    ts: str,
    thread_ts: str | None = None,
    link: str | None = None,
    not_saved: tuple[str, ...] = (),
) -> Card:
    """Save each win of a DM (private unless the member's default says otherwise) with suggested evidence.

    A reply in the thread of the member's weekly prompt also marks that prompt answered. ``link`` (a
    forwarded message's permalink) goes on each win; ``not_saved`` is carried to the card, to be named.
    """
    with db.transaction() as session:
        member = load_member(session, member_id)
        prompt = prompts.prompt_in_thread(session, member, channel_id, thread_ts) if thread_ts else None
        source = EntrySource.PROMPT_REPLY if prompt is not None else EntrySource.DM
        saved = [_typed_win(session, content, member, what, now, source, channel_id, ts, link) for what in wins]
        if prompt is not None and saved:
            prompts.mark_answered_with_win(prompt)
        entries = [brag.summarize(content, entry) for entry in saved]
        card = _card(session, member, entries, prompt_answered=prompt is not None)
        return replace(card, not_saved=not_saved)


def edit_dm(
    db: Database, content: Content, member_id: int, *, channel_id: str, ts: str, text: str, now: datetime
) -> Card | None:
    """An edited DM updates the wins it holds, line by line (the card: every win of the message after the
    edit, in line order, new lines included); None when it held no win."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        entries = brag.entries_from_message(session, member, channel_id, ts)
        if not entries:
            return None
        parsed = parse_message(text)
        lines = list(parsed.wins) if parsed.kind == MessageKind.WINS else []
        for entry, what in zip(entries, lines, strict=False):
            if entry.what == what:
                continue
            entry.what = brag.clean_what(what)
            brag.suggest_for(session, content, member, entry.id, suggest_evidence(content, what, member.stage), now)
        source = entries[0].source
        added = [
            _typed_win(session, content, member, what, now, source, channel_id, ts) for what in lines[len(entries) :]
        ]
        entries += added
        session.flush()
        updated = [brag.summarize(content, e) for e in entries]
        return _card(session, member, updated, unmatched=max(0, len(entries) - len(lines)))


def _typed_win(
    session: Session,
    content: Content,
    member: Member,
    what: str,
    now: datetime,
    source: EntrySource,
    channel_id: str | None = None,
    ts: str | None = None,
    link: str | None = None,
) -> BragEntry:
    """A win typed as one line (``/win``, a DM's line): suggested evidence, and for a DM the message it
    came from (for edits)."""
    return brag.create_entry(
        session,
        content,
        member,
        brag.WinInput(what, link=link),
        now=now,
        source=source,
        suggested_keys=suggest_evidence(content, what, member.stage),
        slack_channel_id=channel_id,
        slack_ts=ts,
    )


def wins_in_deleted_message(db: Database, member_id: int, channel_id: str, ts: str) -> list[int]:
    """The ids of the wins a deleted DM held (the member is asked before they go)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        return [entry.id for entry in brag.entries_from_message(session, member, channel_id, ts)]


def delete_wins(db: Database, member_id: int, entry_ids: list[int]) -> int:
    """Delete those of ``entry_ids`` the member still owns; how many went."""
    removed = 0
    with db.transaction() as session:
        member = load_member(session, member_id)
        for entry_id in entry_ids:
            try:
                brag.delete_entry(session, member, entry_id)
            except brag.NotYourEntry:
                continue
            removed += 1
    return removed


# -- the buttons on a card ------------------------------------------------------------------------

Change = Callable[[Session, Member, int], object]


def _change_card(db: Database, content: Content, member_id: int, entry_id: int | None, change: Change) -> Card:
    """Run ``change`` on a win the member owns (:class:`brag.NotYourEntry` otherwise); its card after."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        entry = brag.named(entry_id)
        # Which wins share the card is read before the change (undo removes the win itself).
        card = [e.id for e in _card_entries(session, content, member, entry)]
        change(session, member, entry)
        return _card(session, member, _still_owned(session, content, member, card))


def confirm_evidence(
    db: Database, content: Content, member_id: int, entry_id: int | None, key: str | None, now: datetime
) -> Card:
    """One tap confirms one suggestion (``key``); the win's other suggestions stay unconfirmed."""

    def change(session: Session, member: Member, entry_id: int) -> object:
        return brag.confirm_suggestion(session, content, member, entry_id, key, now)

    return _change_card(db, content, member_id, entry_id, change)


def set_evidence(
    db: Database, content: Content, member_id: int, entry_id: int | None, keys: list[str], now: datetime
) -> Card:
    """The evidence picker's choice becomes the win's evidence, exactly."""

    def change(session: Session, member: Member, entry_id: int) -> object:
        return brag.set_evidence(session, content, member, entry_id, keys, now)

    return _change_card(db, content, member_id, entry_id, change)


def set_signal(
    db: Database, content: Content, member_id: int, entry_id: int | None, signal: str | None, now: datetime
) -> Card:
    """One tap: the win becomes decided / proposed / learned (or neither)."""

    def change(session: Session, member: Member, entry_id: int) -> object:
        return brag.set_growth_signal(session, member, entry_id, signal, now)

    return _change_card(db, content, member_id, entry_id, change)


def undo(db: Database, content: Content, member_id: int, entry_id: int | None) -> Card:
    """Undo a win just saved: it is deleted; the card keeps the rest of its message's wins."""
    return _change_card(db, content, member_id, entry_id, brag.delete_entry)


@dataclass(frozen=True)
class EvidenceForm:
    """What the evidence picker shows: the win and the member's stage (whose criteria come first)."""

    entry: brag.EntrySummary
    stage: int | None


def evidence_form(db: Database, content: Content, member_id: int, entry_id: int | None) -> EvidenceForm:
    """The picker for a win the member owns; :class:`brag.NotYourEntry` otherwise."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        entry = brag.owned_entry(session, member, brag.named(entry_id))
        return EvidenceForm(brag.summarize(content, entry), member.stage)


def _still_owned(session: Session, content: Content, member: Member, entry_ids: list[int]) -> list[brag.EntrySummary]:
    """Those of ``entry_ids`` the member still has (a card after Undo shows the rest)."""
    found = []
    for entry_id in entry_ids:
        try:
            found.append(brag.summarize(content, brag.owned_entry(session, member, entry_id)))
        except brag.NotYourEntry:
            continue
    return found


def _card_entries(session: Session, content: Content, member: Member, entry_id: int) -> list[brag.EntrySummary]:
    """The wins shown together with ``entry_id``: all from its DM message, or just itself."""
    entry = brag.owned_entry(session, member, entry_id)
    if entry.slack_channel_id and entry.slack_ts:
        together = brag.entries_from_message(session, member, entry.slack_channel_id, entry.slack_ts)
    else:
        together = [entry]
    return [brag.summarize(content, e) for e in together]

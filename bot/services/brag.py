"""The brag document's use cases: saving a win from the win form, deleting one (each owns its transaction).

The pieces live in modules of one job each (issue 26); their names stay importable from here, as
callers use them (``brag.WinInput``, ``brag.create_entry``):

- :mod:`bot.services.win_input`: a win as written, validated; :mod:`bot.services.audience`: who may read it;
- :mod:`bot.services.entries`: saving, editing and deleting entries; :mod:`bot.services.entry_reads`: reading them;
- :mod:`bot.services.win_form`: what the win modal opens with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import EntrySource, Member
from bot.services import prompts
from bot.services.audience import Audience, audience_of, check_audience
from bot.services.entries import (
    NotYourEntry,
    confirm_suggestion,
    create_entry,
    delete_entry,
    named,
    owned_entry,
    set_evidence,
    set_growth_signal,
    suggest_for,
    update_entry,
)
from bot.services.entry_reads import (
    EntrySummary,
    all_entries,
    count_entries,
    entries_from_message,
    in_content_order,
    recent_entries,
    summarize,
)
from bot.services.evidence import suggest_evidence
from bot.services.items import Item, win_item
from bot.services.signals import KEEP, SUGGEST
from bot.services.stages import load_member
from bot.services.win_form import WinForm, edit_win_form, new_win_form
from bot.services.win_input import (
    MAX_EVIDENCE,
    MAX_IMPACT,
    MAX_LESSON,
    MAX_LINK,
    MAX_WHAT,
    EntryInputError,
    WinInput,
    clean_what,
    parse_visibility,
)
from content import Content

__all__ = [
    "KEEP",
    "MAX_EVIDENCE",
    "MAX_IMPACT",
    "MAX_LESSON",
    "MAX_LINK",
    "MAX_WHAT",
    "SUGGEST",
    "Audience",
    "EntryInputError",
    "EntrySummary",
    "NotYourEntry",
    "SavedWin",
    "WinForm",
    "WinInput",
    "all_entries",
    "audience_of",
    "check_audience",
    "clean_what",
    "confirm_suggestion",
    "count_entries",
    "create_entry",
    "credited_for",
    "delete_entry",
    "delete_win",
    "edit_win_form",
    "entries_from_message",
    "in_content_order",
    "named",
    "new_win_form",
    "owned_entry",
    "parse_visibility",
    "recent_entries",
    "save_win",
    "set_evidence",
    "set_growth_signal",
    "suggest_for",
    "summarize",
    "update_entry",
]

log = logging.getLogger(__name__)


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

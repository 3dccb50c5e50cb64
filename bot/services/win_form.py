"""What the win modal needs to open: the member's stage, who may read the win, what is preset."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.engine import Database
from bot.db.models import Member, Visibility
from bot.services.audience import Audience, audience_of, read_with_audience, with_audience
from bot.services.entries import named, owned_entry
from bot.services.entry_reads import EntrySummary, summarize
from bot.services.evidence import suggest_evidence
from bot.services.stages import load_member
from content import Content

_MEMBER = Member.__table__.c
_NEW_FORM = with_audience(_MEMBER.stage, _MEMBER.default_visibility)


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
    found = read_with_audience(db, _NEW_FORM, member_id)
    if found is None:
        raise LookupError(f"member {member_id} not found")
    (stage, visibility), audience = found
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

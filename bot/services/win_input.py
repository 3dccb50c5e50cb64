"""A win as a person wrote it, checked as every path checks it: the limits, the link, the evidence picked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.db.models import Visibility
from bot.services.signals import KEEP
from bot.services.storable import storable
from content import Content

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


def clean(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
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
    cleaned = clean(value, "what", MAX_WHAT, required=True)
    assert cleaned is not None
    return cleaned


def clean_link(value: str | None) -> str | None:
    link = clean(value, "link", MAX_LINK)
    if link is not None and not link.startswith(("https://", "http://")):
        raise EntryInputError("link", "Links need to start with https:// (or http://).")
    return link


def clean_evidence(content: Content, keys: Iterable[str]) -> list[str]:
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


def parse_visibility(value: str | None) -> Visibility | None:
    """A visibility picked in a form; None when nothing was picked."""
    if not value:
        return None
    try:
        return Visibility(value)
    except ValueError:
        raise EntryInputError("visibility", "Pick who can see this win from the list.") from None

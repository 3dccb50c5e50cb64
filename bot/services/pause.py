"""Pausing every nudge until a date (``/coach pause until 2027-01-05``, Home's date picker) and resuming."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import Member
from bot.services.availability import paused_on
from bot.services.localtime import local_today
from bot.services.stages import load_member

MAX_PAUSE = timedelta(days=366)
"""A pause longer than a year is almost certainly a typo (2207 for 2027); opting out is in settings."""


class PauseInputError(ValueError):
    """A pause the person can fix (the message says how)."""


def parse_pause_date(args: str) -> date:
    """``until 2027-01-05`` or ``2027-01-05`` → the date; anything else raises with a friendly message."""
    words = args.strip().split()
    if words and words[0].lower() == "until":
        words = words[1:]
    if not words:
        raise PauseInputError("Tell me until when, like `/coach pause until 2027-01-05`.")
    try:
        return date.fromisoformat(" ".join(words))
    except ValueError:
        raise PauseInputError(
            "I couldn't read that date. Use year-month-day, like `/coach pause until 2027-01-05`."
        ) from None


def pause_until(member: Member, until: date, now: datetime) -> None:
    """No nudge reaches the member before ``until`` (their local midnight); checked, then saved."""
    today = local_today(member.timezone, now)
    if until <= today:
        raise PauseInputError(f"Pick a date after today ({today.isoformat()}): I'd be back before the pause began.")
    if until - today > MAX_PAUSE:
        raise PauseInputError("That's more than a year away. To stop a nudge for good, untick it in `/coach settings`.")
    member.paused_until = until


def resume(session: Session, member: Member, now: datetime) -> bool:
    """End a pause early; nudges held by it go out at the next tick. False if there was no pause."""
    paused = paused_on(member.paused_until, member.timezone, now)
    member.paused_until = None
    return paused


def pause_member(db: Database, member_id: int, until: date, now: datetime) -> None:
    """:func:`pause_until` for the member, saved; :class:`PauseInputError` (nothing saved) if refused."""
    with db.transaction() as session:
        pause_until(load_member(session, member_id), until, now)


def resume_member(db: Database, member_id: int, now: datetime) -> bool:
    """:func:`resume` in a transaction of its own."""
    with db.transaction() as session:
        return resume(session, load_member(session, member_id), now)

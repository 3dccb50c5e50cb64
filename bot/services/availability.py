"""When a nudge may reach a member, decided at send time from current data:

- **Away** (a status the ``users.list`` pass recorded) or **paused** (``/coach pause``): the member is on
  hold (``MemberTime.hold``) until the first day back, at the nudge's own local time (``resume_at``).
  Held ledger rows carry their reason (``DeliveryReason.AWAY``/``PAUSED``); the nudge pass makes them due once
  the member is back (``bot/nudges/ledger.release_returned``).
- **Working days and quiet hours**: the next allowed local time (``next_allowed``, DST-safe).
- **Nag ceiling** for weekly prompts (``nag_decision``).

The nudge machinery applies these rules (``bot/nudges/availability.py``); they live here, with the other
coaching rules, because they are about people, not about the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.orm import Session

from bot.db.models import SNOOZE_MARK, DeliveryStatus, Member, NudgeDelivery
from bot.db.types import UTCDateTime
from bot.services.localtime import local_to_utc, local_today, zone

HELD = "held"
"""How a held row's ``last_error`` begins, for people; code reads its ``reason`` (``DeliveryReason``)."""
TIME_OFF = "time off"  # how a weekly prompt skipped while away or paused is described (its reason: TIME_OFF)
UNKNOWN_END_RECHECK = timedelta(days=1)
"""An away status without an expiry: look again a day later (the status pass releases held rows as soon
as it sees the status cleared, so this is only the fallback)."""
RECENT_PROMPTS = 8  # earlier prompts read per render: enough to see past time-off skips to the last three sent


def paused_on(paused_until: date | None, timezone: str, now: datetime) -> bool:
    """A pause holds until the member's own local midnight of ``paused_until``."""
    return paused_until is not None and local_today(timezone, now) < paused_until


def in_quiet_window(minute: int, start: int | None, end: int | None) -> bool:
    """Whether ``minute`` (after local midnight) is inside [start, end); the window may span midnight."""
    if start is None or end is None or start == end:
        return False
    return start <= minute < end if start < end else (minute >= start or minute < end)


def works_on(day: date, workdays: int) -> bool:
    """Whether ``day`` is one of the member's working days (an empty set means every day)."""
    return bool((workdays or 0b1111111) & (1 << day.weekday()))


def working_day_on_or_before(day: date, workdays: int) -> date:
    """``day`` if the member works that day, else the last working day before it (a week always has one).

    A reminder ahead of a date (a review) moves earlier, never later: pushed forward by the working-days
    rule, the "two days before" packet of a Monday review landed on the review day itself (issue #22)."""
    for _ in range(7):
        if works_on(day, workdays):
            return day
        day -= timedelta(days=1)
    return day


def next_allowed(when: datetime, tz: tzinfo, workdays: int, quiet_start: int | None, quiet_end: int | None) -> datetime:
    """``when`` if it is on a working day outside the quiet window; else the next such local time.
    Eight days always reach a working day (an empty set means every day)."""
    local = when.astimezone(tz)
    day, minute, moved = local.date(), local.hour * 60 + local.minute, False
    for _ in range(16):
        if not (workdays or 0b1111111) & (1 << day.weekday()):
            day, moved = day + timedelta(days=1), True
        elif in_quiet_window(minute, quiet_start, quiet_end):
            assert quiet_end is not None
            day, minute, moved = day + timedelta(days=int(quiet_end <= minute)), quiet_end, True
        else:
            break
    return local_to_utc(day, minute, tz) if moved else when


@dataclass(frozen=True)
class MemberTime:
    timezone: str
    workdays: int
    quiet_start_minute: int | None
    quiet_end_minute: int | None
    paused_until: date | None
    away_since: datetime | None
    away_until: datetime | None
    last_seen_at: datetime

    def next_allowed(self, when: datetime) -> datetime:
        return next_allowed(when, zone(self.timezone), self.workdays, self.quiet_start_minute, self.quiet_end_minute)

    def hold(self, now: datetime) -> tuple[str, datetime | None] | None:
        """Why no nudge may reach the member now (paused, away) and until when; None when they are around."""
        if self.paused_until is not None and paused_on(self.paused_until, self.timezone, now):
            return "paused", local_to_utc(self.paused_until, 0, zone(self.timezone))
        if self.away_since is not None and (self.away_until is None or self.away_until > now):
            return "away", self.away_until
        return None

    def resume_at(self, until: datetime | None, due_at: datetime, now: datetime) -> datetime:
        """The first day back, at the nudge's own local time, then allowed."""
        tz = zone(self.timezone)
        back = until if until is not None else now + UNKNOWN_END_RECHECK
        wall = due_at.astimezone(tz)
        minute, day = wall.hour * 60 + wall.minute, back.astimezone(tz).date()
        at = local_to_utc(day, minute, tz)
        if at < back:
            at = local_to_utc(day + timedelta(days=1), minute, tz)
        return self.next_allowed(max(at, now))


@dataclass(frozen=True)
class PastPrompt:
    status: str
    sent_at: datetime | None
    answered: bool
    reason: str | None


# Core statements on the tables, not the ORM entities: this runs inside every claim's transaction during a
# fan-out, and Core skips the ORM's per-execution compile step (measured on SQLite, 2,000 members: 67 us a
# call through the entities, 30 us on the table; 92 and 42 us with earlier prompts).
M = cast(Table, Member.__table__).c
ND = cast(Table, NudgeDelivery.__table__).c
_TIME_COLUMNS = [M[f] for f in MemberTime.__dataclass_fields__]
# "Answered": the prompt's buttons set ``response``, a reply in its thread sets ``answer`` (where that
# column exists); using the bot at all after it was sent (``last_seen_at``) counts too.
_ANSWER_COLUMNS = [ND[name] for name in ("response", "answer") if name in ND]
_MEMBER_TIME = select(*_TIME_COLUMNS).where(M.id == bindparam("b_member"))
# The weekly prompt also needs the member's earlier regular prompts: one round trip for both.
_MEMBER_TIME_AND_PAST = (
    select(*_TIME_COLUMNS, ND.status, ND.sent_at, ND.reason, *_ANSWER_COLUMNS)
    .select_from(Member.__table__)
    .outerjoin(
        NudgeDelivery.__table__,
        and_(
            ND.member_id == M.id,
            ND.kind == bindparam("b_kind"),
            ND.due_at < bindparam("b_due", type_=UTCDateTime()),
            ND.id != bindparam("b_row"),
            ~ND.period_key.contains(SNOOZE_MARK),
        ),
    )
    .where(M.id == bindparam("b_member"))
    .order_by(ND.due_at.desc())
    .limit(RECENT_PROMPTS)
)
_PAST = len(_TIME_COLUMNS)


def member_time(
    session: Session, member_id: int, earlier: tuple[str, datetime, int] | None = None
) -> tuple[MemberTime, list[PastPrompt]] | None:
    """The member's time rules and, for ``earlier`` (a ledger row's kind, due time and id), their regular
    nudges of that kind due before it, newest first."""
    if earlier is not None:
        kind, due_at, row_id = earlier
        params = {"b_member": member_id, "b_kind": kind, "b_due": due_at, "b_row": row_id}
        rows: list[Any] = list(session.execute(_MEMBER_TIME_AND_PAST, params).all())
    else:
        rows = list(session.execute(_MEMBER_TIME, {"b_member": member_id}).all())
    if not rows:
        return None
    past = [
        PastPrompt(
            str(found[_PAST]), found[_PAST + 1], any(v is not None for v in found[_PAST + 3 :]), found[_PAST + 2]
        )
        for found in rows
        if earlier is not None and found[_PAST] is not None
    ]
    return MemberTime(*rows[0][:_PAST]), past


def nag_decision(past: Sequence[PastPrompt], last_seen_at: datetime) -> str:
    """``prompt``, ``check_in`` or ``silent``. Count the latest *sent* prompts left unanswered (sent after the
    member last used the bot, no reply), newest first, up to the first answered one. Two: this week sends a
    gentle "still want these?" check-in (with a one-tap opt-out). Three (the check-in went unanswered too):
    silence until the member answers or uses the bot again. Skipped prompts count neither way."""
    unanswered = 0
    for prompt in past:
        if prompt.status != DeliveryStatus.SENT or prompt.sent_at is None:
            continue
        if prompt.answered or last_seen_at >= prompt.sent_at or unanswered == 3:
            break
        unanswered += 1
    return "silent" if unanswered >= 3 else "check_in" if unanswered == 2 else "prompt"

"""Nudges that respect people's time: time off, pausing, working days, quiet hours, and a nag ceiling.

Every personal nudge kind's renderer is wrapped by :func:`respecting_time` (see ``registry.py``), so
the rules live in one place and apply at send time, to current data:

- **Away** (a vacation / out sick / OOO status that the paged ``users.list`` pass recorded in
  ``Member.away_since`` / ``away_until``) and **paused** (``/coach pause until <date>``): a weekly
  prompt is skipped with a ``time off:`` reason; review reminders and stuck follow-ups are *held*
  (:class:`~bot.nudges.types.Defer`: due again later, no attempt counted) until the member is back,
  at the nudge's own local time of day on that first day back.
- **Welcome back**: the first weekly prompt whose previous regular prompt was skipped for time off
  opens with a welcome-back line; several missed Fridays make one prompt, not a pile.
- **Working days and quiet hours**: a nudge that falls on a non-working day moves to the next working
  day at the same local time; one inside the quiet window moves to the window's end (then to the
  next working day if that is not one). Local times go through :func:`timing.local_to_utc`, so a
  DST change never moves a nudge by an hour.
- **Nag ceiling** (weekly prompts; see :func:`nag_decision`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.orm import Session

from bot.blocks.nudges import prompt_checkin_message, welcome_back_block
from bot.db.models import DeliveryStatus, Member, NudgeDelivery
from bot.db.types import UTCDateTime
from bot.nudges.timing import local_to_utc, zone
from bot.nudges.types import Defer, DeliveryRow, Message, RenderContext, Renderer, Skip
from bot.services.holds import HELD, local_today

MINUTES_PER_DAY = 24 * 60
ALL_DAYS = 0b1111111
TIME_OFF = "time off"
"""Prefix of a skipped weekly prompt's reason when the member was away or paused (welcome back keys on it)."""
NAG_CEILING = "nag ceiling"
UNKNOWN_END_RECHECK = timedelta(days=1)
"""An away status without an expiry: look again a day later at the nudge's own time (the status pass
releases held rows as soon as it sees the status cleared, so this is only the fallback)."""

# -- working days and quiet hours -------------------------------------------------------------


def is_workday(workdays: int, weekday: int) -> bool:
    return bool((workdays or ALL_DAYS) & (1 << weekday))


def in_quiet_window(minute: int, start: int | None, end: int | None) -> bool:
    """Whether ``minute`` (after local midnight) is inside [start, end); the window may span midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def next_allowed(when: datetime, tz: tzinfo, workdays: int, quiet_start: int | None, quiet_end: int | None) -> datetime:
    """``when`` if it is on a working day outside the quiet window; else the next such time.

    A non-working day moves to the next working day at the same local time; the quiet window moves
    to its end. Each step is a local wall time turned into UTC by ``local_to_utc``, so the result is
    right across DST changes. Eight days always reach a working day (an empty set means every day).
    """
    local = when.astimezone(tz)
    day, minute = local.date(), local.hour * 60 + local.minute
    moved = False
    for _ in range(16):
        if not is_workday(workdays, day.weekday()):
            day += timedelta(days=1)
            moved = True
            continue
        if in_quiet_window(minute, quiet_start, quiet_end):
            assert quiet_end is not None
            if quiet_end <= minute:
                day += timedelta(days=1)
            minute = quiet_end
            moved = True
            continue
        break
    return local_to_utc(day, minute, tz) if moved else when


@dataclass(frozen=True)
class MemberTime:
    """What the rules need of a member (read in one narrow query per nudge at fan-out time)."""

    timezone: str
    workdays: int
    quiet_start_minute: int | None
    quiet_end_minute: int | None
    paused_until: date | None
    away_since: datetime | None
    away_until: datetime | None
    last_seen_at: datetime


# Built on the tables, not the ORM entities: this runs inside every claim's transaction during a
# fan-out, and a Core statement skips the ORM's per-execution compile step (measured on SQLite, 2,000
# members: 67 us a call through the entities, 30 us on the table; 92 and 42 us with earlier prompts).
M = cast(Table, Member.__table__).c
_TIME_COLUMNS = (
    M.timezone,
    M.workdays,
    M.quiet_start_minute,
    M.quiet_end_minute,
    M.paused_until,
    M.away_since,
    M.away_until,
    M.last_seen_at,
)


def member_next_allowed(member: MemberTime, when: datetime) -> datetime:
    return next_allowed(
        when, zone(member.timezone), member.workdays, member.quiet_start_minute, member.quiet_end_minute
    )


# -- time off and pausing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    reason: str
    """``paused`` or ``away``; no user text."""
    until: datetime | None
    """When the member is back, if known."""


def hold_for(member: MemberTime, now: datetime) -> Hold | None:
    """Why no nudge may reach the member now (paused, away), and until when; None when they are around."""
    if member.paused_until is not None and local_today(member.timezone, now) < member.paused_until:
        return Hold("paused", local_to_utc(member.paused_until, 0, zone(member.timezone)))
    if member.away_since is not None and (member.away_until is None or member.away_until > now):
        return Hold("away", member.away_until)
    return None


def resume_at(member: MemberTime, hold: Hold, due_at: datetime, now: datetime) -> datetime:
    """When a held nudge should go out: the first day back, at the nudge's own local time, then allowed."""
    tz = zone(member.timezone)
    back = hold.until if hold.until is not None else now + UNKNOWN_END_RECHECK
    wall = due_at.astimezone(tz)
    minute = wall.hour * 60 + wall.minute
    day = back.astimezone(tz).date()
    at = local_to_utc(day, minute, tz)
    if at < back:
        at = local_to_utc(day + timedelta(days=1), minute, tz)
    return member_next_allowed(member, max(at, now))


# -- the nag ceiling ---------------------------------------------------------------------------

# "Answered" for a weekly prompt: the recipient replied (the ledger row's ``response``, set by the
# prompt's buttons, or ``answer``, set when they reply in the prompt's thread, where that column
# exists), or they used the bot at all after it was sent (``Member.last_seen_at`` moves on every
# command, button, win saved or Home visit).
_ANSWER_COLUMNS = [
    NudgeDelivery.__table__.c[name] for name in ("response", "answer") if name in NudgeDelivery.__table__.c
]
RECENT_PROMPTS = 8
"""Earlier regular prompts read per render: enough to see past time-off skips to the last three sent."""


@dataclass(frozen=True)
class PastPrompt:
    status: str
    sent_at: datetime | None
    answered: bool
    reason: str | None


ND = cast(Table, NudgeDelivery.__table__).c
_NOT_SNOOZE = ~ND.period_key.contains("-snooze-")
_MEMBER_TIME = select(*_TIME_COLUMNS).where(M.id == bindparam("b_member"))
# The weekly prompt's rules also need the member's earlier regular prompts: one round trip for both
# (a 10,000-prompt fan-out renders each message with this and the renderer's own query).
_MEMBER_TIME_AND_PAST = (
    select(*_TIME_COLUMNS, ND.status, ND.sent_at, ND.last_error, *_ANSWER_COLUMNS)
    .select_from(Member.__table__)
    .outerjoin(
        NudgeDelivery.__table__,
        and_(
            ND.member_id == M.id,
            ND.kind == bindparam("b_kind"),
            ND.due_at < bindparam("b_due", type_=UTCDateTime()),
            ND.id != bindparam("b_row"),
            _NOT_SNOOZE,
        ),
    )
    .where(M.id == bindparam("b_member"))
    .order_by(ND.due_at.desc())
    .limit(RECENT_PROMPTS)
)
_PAST_START = len(_TIME_COLUMNS)


def member_time(session: Session, row: DeliveryRow, *, with_past: bool) -> tuple[MemberTime, list[PastPrompt]] | None:
    """The member's time rules and (``with_past``) their regular prompts due before ``row``, newest first."""
    if with_past:
        params = {"b_member": row.member_id, "b_kind": row.kind, "b_due": row.due_at, "b_row": row.id}
        rows: list[Any] = list(session.execute(_MEMBER_TIME_AND_PAST, params).all())
    else:
        rows = list(session.execute(_MEMBER_TIME, {"b_member": row.member_id}).all())
    if not rows:
        return None
    time_of = MemberTime(*rows[0][:_PAST_START])
    past = [
        PastPrompt(
            status=str(found[_PAST_START]),
            sent_at=found[_PAST_START + 1],
            reason=found[_PAST_START + 2],
            answered=any(value is not None for value in found[_PAST_START + 3 :]),
        )
        for found in rows
        if with_past and found[_PAST_START] is not None
    ]
    return time_of, past


def nag_decision(past: Sequence[PastPrompt], last_seen_at: datetime) -> str:
    """``prompt``, ``check_in`` or ``silent``: the nag ceiling.

    The rule: count the most recent *sent* weekly prompts that went unanswered (sent after the member
    last used the bot, and no reply recorded), newest first, stopping at the first answered one.
    Two in a row unanswered: this week's slot sends one gentle "still want these?" check-in instead
    (with a one-tap opt-out). Three (the check-in itself went unanswered too): silence, every week,
    until the member answers or uses the bot again, which resets the count to zero. Prompts skipped
    for time off or earlier silence are not counted either way.
    """
    unanswered = 0
    for prompt in past:
        if prompt.status != DeliveryStatus.SENT or prompt.sent_at is None:
            continue
        if prompt.answered or last_seen_at >= prompt.sent_at:
            break
        unanswered += 1
        if unanswered == 3:
            break
    if unanswered >= 3:
        return "silent"
    if unanswered == 2:
        return "check_in"
    return "prompt"


def is_welcome_back(past: Sequence[PastPrompt]) -> bool:
    """The previous regular prompt was skipped because the member was away or paused."""
    return bool(past) and past[0].status == DeliveryStatus.SKIPPED and (past[0].reason or "").startswith(TIME_OFF)


# -- the wrapper ---------------------------------------------------------------------------------


def respecting_time(render: Renderer, *, weekly: bool = False) -> Renderer:
    """``render`` behind the member's time off, pause, working days, quiet hours (and, ``weekly``, the ceiling)."""

    def wrapped(session: Session, ctx: RenderContext, row: DeliveryRow) -> Message | Skip | Defer:
        found = member_time(session, row, with_past=weekly) if row.member_id is not None else None
        if found is None:
            return render(session, ctx, row)
        member, past = found
        hold = hold_for(member, ctx.now)
        if hold is not None:
            if weekly:
                return Skip(f"{TIME_OFF}: {hold.reason}")
            return Defer(resume_at(member, hold, row.due_at, ctx.now), f"{HELD}: {hold.reason}")
        allowed = member_next_allowed(member, ctx.now)
        if allowed > ctx.now:
            return Defer(allowed, f"{HELD}: outside working days or quiet hours")
        if not weekly:
            return render(session, ctx, row)
        decision = nag_decision(past, member.last_seen_at)
        if decision == "silent":
            return Skip(f"{NAG_CEILING}: check-in unanswered; silent until the member is back")
        if decision == "check_in":
            payload = prompt_checkin_message(delivery_id=row.id)
            return Message(text=payload["text"], blocks=payload["blocks"])
        rendered = render(session, ctx, row)
        if isinstance(rendered, Message) and is_welcome_back(past):
            return Message(text=f"Welcome back! {rendered.text}", blocks=[welcome_back_block(), *rendered.blocks])
        return rendered

    return wrapped

"""Local wall-clock times → UTC instants, DST-safe, and the clock a tick runs on.

Every user-facing schedule ("Friday 16:00") is a wall time in the member's IANA timezone.
:func:`local_to_utc` turns one into an instant with :mod:`zoneinfo`:

- a wall time that does not exist (the spring-forward gap, e.g. 02:30 on the March change in
  America/New_York) is read with the offset in force *before* the gap, so it lands just after
  the jump (02:30 → 03:30 local): the nudge comes an hour "late" by the wall clock, never not at all;
- a wall time that happens twice (the fall-back overlap) takes the first occurrence (``fold=0``).
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The named IANA zone; UTC (and a warning) for a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone, using UTC", extra={"timezone": name})
        return UTC


def local_to_utc(day: date, minute_of_day: int, tz: tzinfo) -> datetime:
    """The UTC instant of ``day`` at ``minute_of_day`` (minutes after local midnight) in ``tz``."""
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60)).replace(tzinfo=tz, fold=0)
    return wall.astimezone(UTC)


def iso_week_key(day: date) -> str:
    """``2026-W47``: the ISO week ``day`` belongs to (the ISO year, which can differ from ``day.year``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Occurrence:
    local_day: date
    due_at: datetime

    @property
    def week_key(self) -> str:
        return iso_week_key(self.local_day)


def latest_weekly_occurrence(at: datetime, tz: tzinfo, weekday: int, minute_of_day: int) -> Occurrence:
    """The most recent ``weekday`` at ``minute_of_day`` local time that is at or before ``at``."""
    local_today = at.astimezone(tz).date()
    day = local_today - timedelta(days=(local_today.weekday() - weekday) % 7)
    due = local_to_utc(day, minute_of_day, tz)
    if due > at:
        day -= timedelta(days=7)
        due = local_to_utc(day, minute_of_day, tz)
    return Occurrence(local_day=day, due_at=due)


def ticking_clock(at: datetime) -> Callable[[], datetime]:
    """A clock that reads ``at`` now and moves on with real (monotonic) time.

    A tick acts "as if the clock read ``at``"; a long fan-out still needs leases and backoffs
    that move with the seconds actually spent, so delivery reads this clock.
    """
    start = _time.monotonic()

    def now() -> datetime:
        return at + timedelta(seconds=_time.monotonic() - start)

    return now

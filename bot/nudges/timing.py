"""Local wall-clock times ("Friday 16:00" in the member's IANA zone) → UTC instants, and the tick's clock."""

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
    """The UTC instant of ``day`` at ``minute_of_day`` in ``tz``. A wall time in the spring-forward gap (02:30
    in New York in March) takes the offset before the gap, landing just after the jump (03:30): an hour late
    by the wall clock, never not at all; one that happens twice (fall-back) takes the first (``fold=0``)."""
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60)).replace(tzinfo=tz, fold=0)
    return wall.astimezone(UTC)


def iso_week_key(day: date) -> str:
    """``2026-W47``: the ISO week ``day`` belongs to (the ISO year, which can differ from ``day.year``)."""
    year, week, _ = day.isocalendar()
    return _week_key(year, week)


def _week_key(iso_year: int, week: int) -> str:
    return f"{iso_year}-W{week:02d}"


@dataclass(frozen=True)
class Occurrence:
    local_day: date
    due_at: datetime
    week_key: str
    """``2026-W47``: the ISO week of ``local_day``."""
    week: int
    """That ISO week's number (tips and questions rotate by it)."""


def latest_weekly_occurrence(at: datetime, tz: tzinfo, weekday: int, minute_of_day: int) -> Occurrence:
    """The most recent ``weekday`` at ``minute_of_day`` local time that is at or before ``at``."""
    local_today = at.astimezone(tz).date()
    day = local_today - timedelta(days=(local_today.weekday() - weekday) % 7)
    due = local_to_utc(day, minute_of_day, tz)
    if due > at:
        day -= timedelta(days=7)
        due = local_to_utc(day, minute_of_day, tz)
    year, week, _ = day.isocalendar()
    return Occurrence(day, due, _week_key(year, week), week)


def ticking_clock(at: datetime) -> Callable[[], datetime]:
    """A clock that reads ``at`` now and moves on with real (monotonic) time (leases and backoffs in a long
    fan-out move with the seconds actually spent)."""
    start = _time.monotonic()

    def now() -> datetime:
        return at + timedelta(seconds=_time.monotonic() - start)

    return now

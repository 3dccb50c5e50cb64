"""Weekly occurrences ("Friday 16:00" in the member's zone, its ISO week) and the tick's clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from bot.services.localtime import local_to_utc


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


@lru_cache(maxsize=4096)
def latest_weekly_occurrence(at: datetime, tz: tzinfo, weekday: int, minute_of_day: int) -> Occurrence:
    """The most recent ``weekday`` at ``minute_of_day`` local time that is at or before ``at``. Cached: a
    tick asks once per member, and members share a few zones and prompt times (10,000 members in six zones:
    six computations instead of 10,000, which took 45 ms off every re-plan's 130 in
    ``bench.weekly_prompt_fanout``)."""
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
    start = time.monotonic()

    def now() -> datetime:
        return at + timedelta(seconds=time.monotonic() - start)

    return now

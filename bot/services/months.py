"""Calendar months in a person's timezone: the windows growth is counted over."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.services.localtime import local_to_utc


def month_of(moment: datetime, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def last_months(now: datetime, tz: ZoneInfo, count: int) -> list[date]:
    """The first day of each of the last ``count`` calendar months (local), oldest first, this one last."""
    first = month_of(now, tz)
    return [add_months(first, -back) for back in range(count - 1, -1, -1)]


def month_start(first: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local calendar month begins (its first day's midnight in ``tz``)."""
    return local_to_utc(first, 0, tz)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (before, when negative) ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_start(now: datetime, tz: ZoneInfo, count: int) -> datetime:
    """The UTC instant the window of ``count`` months begins (local midnight on its first day)."""
    return month_start(last_months(now, tz, count)[0], tz)

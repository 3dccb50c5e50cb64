"""People's local time: their IANA zone, their today, and a local wall time as a UTC instant (DST-safe)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The named IANA zone; UTC (and a warning) for a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone, using UTC", extra={"timezone": name})
        return ZoneInfo("UTC")


def local_today(timezone: str, now: datetime) -> date:
    """Today where the member is: "two days before a review" means their days, not UTC's."""
    return now.astimezone(zone(timezone)).date()


def local_to_utc(day: date, minute_of_day: int, tz: tzinfo) -> datetime:
    """The UTC instant of ``day`` at ``minute_of_day`` in ``tz``. A wall time in the spring-forward gap (02:30
    in New York in March) takes the offset before the gap, landing just after the jump (03:30): an hour late
    by the wall clock, never not at all; one that happens twice (fall-back) takes the first (``fold=0``)."""
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60)).replace(tzinfo=tz, fold=0)
    return wall.astimezone(UTC)

"""Finding old wins: a period ("this quarter", "last 90 days", "since 2026-01-01") or words to search for.

Only the member's own wins, newest first, a page at a time. Periods are read in the member's own
timezone (a quarter starts at their local midnight).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, Member
from bot.services.brag import EntrySummary, summarize
from bot.services.localtime import local_to_utc, zone
from bot.services.months import add_months
from bot.services.stages import load_member
from content import Content

log = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_SEARCH_WORDS = 8
MAX_QUERY_CHARS = 200


class QueryError(ValueError):
    """A period or search a person can fix; the message says how."""


@dataclass(frozen=True)
class WinQuery:
    since: datetime | None = None
    until: datetime | None = None
    words: tuple[str, ...] = ()
    label: str = "all your wins"
    text: str = ""
    """What the member typed (it goes back into the paging buttons)."""


@dataclass(frozen=True)
class WinPage:
    query: WinQuery
    entries: list[EntrySummary]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


_LAST_N = re.compile(r"^(?:last|past) (\d{1,4}) (day|week|month|year)s?$")
_SINCE = re.compile(r"^(?:since|from) (\d{4}-\d{2}-\d{2})$")
_BETWEEN = re.compile(r"^(?:from|between) (\d{4}-\d{2}-\d{2}) (?:to|and|until) (\d{4}-\d{2}-\d{2})$")
_UNITS = {"day": 1, "week": 7}


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise QueryError(f"{raw} isn't a date I can read; write it as YYYY-MM-DD, e.g. 2026-01-31.") from None


def _utc(day: date | None, tz: tzinfo) -> datetime | None:
    """Local midnight of ``day`` as UTC, or None (no bound) when it is beyond what datetime holds.

    ``last 9999 years``, ``since 0001-01-01`` east of UTC and ``to 9999-12-31`` (whose next day is
    past year 9999) fall off datetime's range (years 1-9999) and answered "Something went wrong";
    the bound they name is "all the wins there are" on that side.
    """
    if day is None:
        return None
    try:
        return local_to_utc(day, 0, tz)
    except OverflowError:
        return None


def _days_before(today: date, days: int) -> date | None:
    try:
        return today - timedelta(days=days)
    except OverflowError:
        return None


def _day_after(day: date) -> date | None:
    try:
        return day + timedelta(days=1)
    except OverflowError:
        return None


def parse_query(text: str, member: Member, now: datetime) -> WinQuery:
    """A period if the text is one, otherwise words that must all appear in a win."""
    typed = " ".join(text.split())[:MAX_QUERY_CHARS]
    phrase = typed.lower()
    if not phrase or phrase == "all":
        return WinQuery(text=typed)
    tz = zone(member.timezone)
    today = now.astimezone(tz).date()
    if phrase in {"this quarter", "last quarter"}:
        start = _quarter_start(today)
        if phrase == "last quarter":
            start, end = add_months(start, -3), start
            return WinQuery(local_to_utc(start, 0, tz), local_to_utc(end, 0, tz), label="last quarter", text=typed)
        return WinQuery(local_to_utc(start, 0, tz), label="this quarter", text=typed)
    if phrase in {"this month", "last month"}:
        start = today.replace(day=1)
        if phrase == "last month":
            return WinQuery(
                local_to_utc(add_months(start, -1), 0, tz), local_to_utc(start, 0, tz), label="last month", text=typed
            )
        return WinQuery(local_to_utc(start, 0, tz), label="this month", text=typed)
    if phrase in {"this year", "last year"}:
        start = date(today.year, 1, 1)
        if phrase == "last year":
            return WinQuery(
                local_to_utc(date(today.year - 1, 1, 1), 0, tz),
                local_to_utc(start, 0, tz),
                label="last year",
                text=typed,
            )
        return WinQuery(local_to_utc(start, 0, tz), label="this year", text=typed)
    if phrase in {"this week", "last week"}:
        start = today - timedelta(days=today.weekday())
        if phrase == "last week":
            return WinQuery(
                local_to_utc(start - timedelta(days=7), 0, tz),
                local_to_utc(start, 0, tz),
                label="last week",
                text=typed,
            )
        return WinQuery(local_to_utc(start, 0, tz), label="this week", text=typed)
    if match := _LAST_N.match(phrase):
        count, unit = int(match.group(1)), match.group(2)
        if unit in _UNITS:
            since = _days_before(today, count * _UNITS[unit] - 1)
        else:
            months = count * (12 if unit == "year" else 1)
            since = _days_before(today, round(months * 30.44) - 1)
        return WinQuery(_utc(since, tz), label=f"the last {count} {unit}{'s' if count != 1 else ''}", text=typed)
    if match := _SINCE.match(phrase):
        start = _date(match.group(1))
        return WinQuery(_utc(start, tz), label=f"since {start.isoformat()}", text=typed)
    if match := _BETWEEN.match(phrase):
        start, end = _date(match.group(1)), _date(match.group(2))
        if end < start:
            raise QueryError("The end date is before the start date; swap them and try again.")
        label = f"from {start.isoformat()} to {end.isoformat()}"
        return WinQuery(_utc(start, tz), _utc(_day_after(end), tz), label=label, text=typed)
    if phrase.startswith(("since ", "from ")):
        raise QueryError("Write the date as YYYY-MM-DD, e.g. `since 2026-01-01`.")
    words = tuple(dict.fromkeys(w for w in phrase.split() if w))[:MAX_SEARCH_WORDS]
    return WinQuery(words=words, label="matching " + " ".join(f"“{w}”" for w in words), text=typed)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_wins(
    session: Session, content: Content, member: Member, query: WinQuery, page: int = 0, page_size: int = PAGE_SIZE
) -> WinPage:
    """One page of the member's own wins matching ``query``, newest first, with the total count."""
    conditions = [BragEntry.member_id == member.id]
    if query.since is not None:
        conditions.append(BragEntry.created_at >= query.since)
    if query.until is not None:
        conditions.append(BragEntry.created_at < query.until)
    for word in query.words:
        pattern = _like(word)
        conditions.append(
            or_(
                func.lower(BragEntry.what).like(pattern, escape="\\"),
                func.lower(func.coalesce(BragEntry.impact, "")).like(pattern, escape="\\"),
                func.lower(func.coalesce(BragEntry.lesson, "")).like(pattern, escape="\\"),
            )
        )
    where = and_(*conditions)
    total = int(session.scalar(select(func.count()).select_from(BragEntry).where(where)) or 0)
    last_page = max(0, -(-total // page_size) - 1)
    page = min(max(0, page), last_page)
    entries = session.scalars(
        select(BragEntry)
        .where(where)
        .order_by(BragEntry.created_at.desc(), BragEntry.id.desc())
        .offset(page * page_size)
        .limit(page_size)
    )
    return WinPage(query, [summarize(content, e) for e in entries], total, page, page_size)


def search_wins(db: Database, content: Content, member_id: int, text: str, page: int, now: datetime) -> WinPage:
    """``text`` read as a query (:class:`QueryError` if it cannot be), then that page of the member's wins."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        found = find_wins(session, content, member, parse_query(text, member, now), page)
    log.info("wins listed", extra={"member": member_id, "total": found.total, "page": found.page})
    return found

"""Members' timezones and away statuses, kept current by a paged ``users.list`` pass, no per-user call.

For every member a page names: the timezone follows Slack's unless one was picked in settings; people Slack
reports deleted are no longer nudged; an away status (vacation, out sick, OOO, the configured extras) sets
``away_since``/``away_until`` and a cleared one clears them and releases the nudges held meanwhile.

``users.list`` is Tier 2 (20+ calls a minute per workspace). A pass starts every
``STAGECOACH_STATUS_REFRESH_MINUTES`` (30: a status set in the morning is seen hours before a Friday 16:00
prompt) and reads at most 10 pages a minute, half the tier, keeping the cursor on the workspace row: 10,000
members are 50 pages, 5 minutes (``bench/status_refresh.py``). A minute's pages are taken by a conditional
UPDATE on ``workspaces.profile_page_at`` (one taker per 60 s), so replicas never exceed the budget; a pass
cut short by a crash resumes from its cursor.

A tick's share is bounded across all workspaces: at most ``CALLS_PER_TICK`` calls and ``BUDGET_SECONDS``
(plus one call's timeout), read by ``WORKERS`` threads, each workspace's pages in order. The workspaces
waited longest go first, so a tick that cannot read them all leaves the others to the next minute's.
Nothing sleeps on a 429 or a 5xx: the cursor stays and the next minute resumes there. Every workspace's
statuses are read at least every refresh interval plus ceil(pages of all passes / ``CALLS_PER_TICK``)
minutes per ticking process: 1,000 one-page workspaces, 30 + 4 minutes with one replica ticking.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services import directory
from bot.services.directory import InstalledWorkspace
from bot.webapi.client import make_web_client
from bot.webapi.profiles import away_rules, slack_user
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # Slack's recommended page size for users.list (it may return fewer)
TIER_2_PER_MINUTE = 20
PAGES_PER_MINUTE = TIER_2_PER_MINUTE // 2
CALLS_PER_TICK = 300
"""users.list calls one tick makes across all workspaces. At Slack's ~100-300 ms a page (a page of 200
members is ~250 KB) and ``WORKERS`` threads, 300 calls take 10-20 s: the tick keeps its minute. Measured
before this bound: 1,000 one-page workspaces took 116 s in one tick (issue 25)."""
BUDGET_SECONDS = 20.0
"""No workspace is started, and no further page read, after this long: with the nudge pass first in the
same minute, the tick ends well inside it."""
WORKERS = 8
"""Workspaces read at once: each call mostly waits for Slack (8 x 100 ms pages: 80 calls a second)."""


class _Calls:
    """The tick's remaining calls and time, shared by the workers."""

    def __init__(self, calls: int, seconds: float) -> None:
        self._left, self._deadline, self._lock = calls, time.monotonic() + seconds, threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.monotonic() >= self._deadline:
                return False
            self._left -= 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._left += 1


def refresh_profiles(
    deps: Deps,
    tokens: TokenSource,
    at: datetime,
    *,
    max_calls: int = CALLS_PER_TICK,
    budget_seconds: float = BUDGET_SECONDS,
    workers: int = WORKERS,
) -> int:
    """This minute's share of every workspace's pass, within the tick's bounds; returns the pages read."""
    interval = timedelta(minutes=deps.settings.stagecoach_status_refresh_minutes)
    due = directory.workspaces_due(deps.db, at, interval, limit=max_calls)
    if not due:
        return 0
    calls = _Calls(max_calls, budget_seconds)

    def one(workspace: InstalledWorkspace) -> int:
        try:
            return _refresh(deps, tokens, workspace, at, interval, calls)
        except Exception:
            # The cursor stays: the next minute resumes this workspace where it stopped.
            log.exception("profile refresh failed for a workspace", extra={"team": workspace.team_id})
            return 0

    if len(due) == 1 or workers == 1:
        return sum(one(workspace) for workspace in due)
    with ThreadPoolExecutor(min(workers, len(due)), thread_name_prefix="stagecoach-directory") as pool:
        return sum(pool.map(one, due))


def _refresh(
    deps: Deps, tokens: TokenSource, workspace: InstalledWorkspace, at: datetime, interval: timedelta, calls: _Calls
) -> int:
    if not calls.take():
        return 0
    taken = directory.take_pages(deps.db, workspace.id, at, interval)
    token = tokens.bot_token(workspace.team_id, workspace.enterprise_id) if taken is not None else None
    if taken is None or token is None:
        calls.give_back()
        return 0
    # No retry handlers: slack_sdk's would sleep through Retry-After (10 s, five times) in this thread.
    client = make_web_client(deps.settings.slack_api_url, token, handlers=[], metrics=deps.metrics)
    return _read_pages(deps, client, workspace.id, workspace.team_id, taken.cursor, at, calls)


def _read_pages(
    deps: Deps, client: Any, workspace_id: int, team_id: str, cursor: str | None, at: datetime, calls: _Calls
) -> int:
    """Up to ``PAGES_PER_MINUTE`` pages from ``cursor``; the first call was already taken from ``calls``."""
    rules, starting, read = away_rules(deps.settings.stagecoach_away_statuses), cursor is None, 0
    totals = Counter({"timezones": 0, "away": 0, "back": 0})
    while read < PAGES_PER_MINUTE and (read == 0 or calls.take()):
        try:
            page = client.users_list(limit=PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            # The cursor stays: the next minute resumes the pass where it stopped (after a 429's
            # Retry-After, which is seconds: the next minute is later than that).
            log.warning("users.list failed; the pass resumes next minute", extra={"team": team_id, "error": str(exc)})
            break
        read += 1
        users = {str(user.get("id")): slack_user(user, rules, at) for user in page.get("members") or []}
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        totals.update(directory.save_page(deps.db, workspace_id, users, cursor, at, first=starting and read == 1))
        if cursor is None:
            break
    log.info("profiles refreshed", extra={"team": team_id, "pages": read, **totals})
    return read

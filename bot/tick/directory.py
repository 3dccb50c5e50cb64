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
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services import directory
from bot.webapi.client import make_web_client
from bot.webapi.profiles import away_rules, slack_user
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # Slack's recommended page size for users.list (it may return fewer)
TIER_2_PER_MINUTE = 20
PAGES_PER_MINUTE = TIER_2_PER_MINUTE // 2


def refresh_profiles(deps: Deps, tokens: TokenSource, at: datetime) -> int:
    """This minute's share of every workspace's pass; returns how many users.list pages were read."""
    interval = timedelta(minutes=deps.settings.stagecoach_status_refresh_minutes)
    pages = 0
    for workspace in directory.workspaces_with_members(deps.db):
        taken = directory.take_pages(deps.db, workspace.id, at, interval)
        token = tokens.bot_token(workspace.team_id, workspace.enterprise_id) if taken is not None else None
        if taken is not None and token is not None:
            client = make_web_client(deps.settings.slack_api_url, token, metrics=deps.metrics)
            pages += _read_pages(deps, client, workspace.id, workspace.team_id, taken.cursor, at)
    return pages


def _read_pages(deps: Deps, client: Any, workspace_id: int, team_id: str, cursor: str | None, at: datetime) -> int:
    rules, starting, read = away_rules(deps.settings.stagecoach_away_statuses), cursor is None, 0
    totals = Counter({"timezones": 0, "away": 0, "back": 0})
    while read < PAGES_PER_MINUTE:
        try:
            page = client.users_list(limit=PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            # The cursor stays: the next minute resumes the pass where it stopped.
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

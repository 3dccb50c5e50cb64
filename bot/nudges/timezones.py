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
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import Member, Workspace
from bot.deps import Deps
from bot.services.holds import release_held
from bot.services.members import is_valid_timezone
from bot.webapi.client import make_web_client
from bot.webapi.profiles import SlackUser, away_rules, slack_user
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # Slack's recommended page size for users.list (it may return fewer)
TIER_2_PER_MINUTE = 20
PAGES_PER_MINUTE = TIER_2_PER_MINUTE // 2
PAGE_LEASE = timedelta(seconds=60)


def apply_page(session: Session, workspace_id: int, users: dict[str, SlackUser], at: datetime) -> Counter[str]:
    """Store what one page reported for the members it names; returns counts of what changed."""
    counts: Counter[str] = Counter()
    back: list[int] = []
    for member in session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id.in_(list(users)))
    ):
        user = users[member.slack_user_id]
        if member.timezone_from_slack:
            if user.tz and user.tz != member.timezone and is_valid_timezone(user.tz):
                member.timezone = user.tz
                counts["timezones"] += 1
            member.timezone_refreshed_at = at
        if user.deleted and member.delivery_blocked_at is None:
            member.delivery_blocked_at, member.delivery_blocked_reason = at, "user_deleted"
        if user.away:
            counts["away"] += member.away_since is None
            member.away_since, member.away_until = member.away_since or at, user.away_until
        elif member.away_since is not None:
            member.away_since = member.away_until = None
            back.append(member.id)
    session.flush()
    counts["back"] = len(back)
    release_held(session, back, at)
    return counts


def refresh_profiles(deps: Deps, tokens: TokenSource, at: datetime) -> int:
    """This minute's share of every workspace's pass; returns how many users.list pages were read."""
    interval = timedelta(minutes=deps.settings.stagecoach_status_refresh_minutes)
    with deps.db.transaction() as session:
        installed = session.execute(
            select(Workspace.id, Workspace.team_id, Workspace.enterprise_id).where(
                Workspace.uninstalled_at.is_(None), Workspace.id.in_(select(Member.workspace_id).distinct())
            )
        ).all()
    pages = 0
    for workspace_id, team_id, enterprise_id in installed:
        with deps.db.transaction() as session:
            # This minute's pages, if a pass is under way or due and no one took them in the last 60 s.
            taken = session.execute(
                update(Workspace)
                .where(
                    Workspace.id == workspace_id,
                    or_(Workspace.profile_page_at.is_(None), Workspace.profile_page_at <= at - PAGE_LEASE),
                    or_(
                        Workspace.profile_cursor.is_not(None),
                        Workspace.profile_pass_done_at.is_(None),
                        Workspace.profile_pass_done_at <= at - interval,
                    ),
                )
                .values(profile_page_at=at)
                .returning(Workspace.profile_cursor)
            ).one_or_none()
        token = tokens.bot_token(team_id, enterprise_id) if taken is not None else None
        if taken is not None and token is not None:
            client = make_web_client(deps.settings.slack_api_url, token, metrics=deps.metrics)
            pages += _read_pages(deps, client, workspace_id, team_id, taken.profile_cursor, at)
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
        with deps.db.transaction() as session:
            totals.update(apply_page(session, workspace_id, users, at))
            values: dict[str, Any] = {"profile_cursor": cursor}
            if starting and read == 1:
                values["profile_pass_started_at"] = at
            if cursor is None:
                values["profile_pass_done_at"] = at
            session.execute(update(Workspace).where(Workspace.id == workspace_id).values(values))
        if cursor is None:
            break
    log.info("profiles refreshed", extra={"team": team_id, "pages": read, **totals})
    return read

"""Keeping members' timezones and away statuses current without a per-user call: paged ``users.list``.

One pass reads the whole workspace, 200 people a page, and for every member it finds:

- updates the timezone when it comes from Slack (``timezone_from_slack``; a timezone picked in
  settings is never overwritten);
- stops nudging people Slack reports as deleted;
- records time off: a status that means away (vacation, out sick, OOO, the configured extras; see
  :func:`bot.nudges.availability.is_away_status`) sets ``away_since`` / ``away_until`` (Slack's
  ``status_expiration``); a cleared one clears them and releases the nudges held meanwhile.

**How often, and the rate limit.** ``users.list`` is Tier 2: 20+ calls a minute per workspace. A pass
starts every ``STAGECOACH_STATUS_REFRESH_MINUTES`` (30), so a status set in the morning is seen hours
before a Friday 16:00 prompt. Each minute, at most :data:`PAGES_PER_MINUTE` (10) pages are fetched and
the cursor is kept on the workspace row for the next minute: 10,000 members are 50 pages, read over
5 minutes at 10 calls a minute, half the tier, so other ``users.list`` callers and Slack's burst
accounting keep their margin. ``bench/status_refresh.py`` measures it. Which process takes a minute's
pages is a compare-and-set on ``workspaces.profile_page_at`` (one taker per 60 s of tick time), so
replicas ticking together never exceed the budget; a pass cut short by a crash resumes from its cursor.
"""

from __future__ import annotations

import logging
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
from bot.webapi.profiles import AwayRules, SlackUser, away_rules, slack_user
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

PAGE_SIZE = 200
"""Slack's recommended page size for users.list (it may return fewer)."""
TIER_2_PER_MINUTE = 20
PAGES_PER_MINUTE = TIER_2_PER_MINUTE // 2
"""Half of Tier 2: 10,000 members (50 pages) take 5 minutes a pass, never more than 10 calls a minute."""
PAGE_LEASE = timedelta(seconds=60)
DELETED_REASON = "user_deleted"


def _installed_workspaces(session: Session) -> list[tuple[int, str, str | None]]:
    with_members = select(Member.workspace_id).distinct()
    rows = session.execute(
        select(Workspace.id, Workspace.team_id, Workspace.enterprise_id).where(
            Workspace.uninstalled_at.is_(None), Workspace.id.in_(with_members)
        )
    )
    return [(int(workspace_id), team_id, enterprise_id) for workspace_id, team_id, enterprise_id in rows]


def _take_minute(session: Session, workspace_id: int, at: datetime, interval: timedelta) -> tuple[bool, str | None]:
    """Claim this minute's pages if a pass is under way or due; returns (mine, cursor to resume from)."""
    result = session.execute(
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
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False, None
    cursor = session.scalar(select(Workspace.profile_cursor).where(Workspace.id == workspace_id))
    return True, cursor


def apply_page(session: Session, workspace_id: int, users: dict[str, SlackUser], at: datetime) -> dict[str, int]:
    """Store what one page reported for the members it names; returns counts of what changed."""
    if not users:
        return {"timezones": 0, "away": 0, "back": 0}
    members = session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id.in_(list(users)))
    ).all()
    counts = {"timezones": 0, "away": 0, "back": 0}
    back: list[int] = []
    for member in members:
        user = users[member.slack_user_id]
        if member.timezone_from_slack:
            if user.tz and user.tz != member.timezone and is_valid_timezone(user.tz):
                member.timezone = user.tz
                counts["timezones"] += 1
            member.timezone_refreshed_at = at
        if user.deleted and member.delivery_blocked_at is None:
            member.delivery_blocked_at = at
            member.delivery_blocked_reason = DELETED_REASON
        if user.away:
            if member.away_since is None:
                member.away_since = at
                counts["away"] += 1
            member.away_until = user.away_until
        elif member.away_since is not None:
            member.away_since = None
            member.away_until = None
            back.append(member.id)
    session.flush()
    counts["back"] = len(back)
    release_held(session, back, at)
    return counts


def refresh_profiles(deps: Deps, tokens: TokenSource, at: datetime) -> int:
    """This minute's share of every workspace's pass; returns how many users.list pages were read."""
    interval = timedelta(minutes=deps.settings.stagecoach_status_refresh_minutes)
    rules = away_rules(deps.settings.stagecoach_away_statuses)
    with deps.db.transaction() as session:
        workspaces = _installed_workspaces(session)
    pages = 0
    for workspace_id, team_id, enterprise_id in workspaces:
        with deps.db.transaction() as session:
            mine, cursor = _take_minute(session, workspace_id, at, interval)
        if not mine:
            continue
        token = tokens.bot_token(team_id, enterprise_id)
        if token is None:
            continue
        pages += _read_pages(
            deps,
            make_web_client(deps.settings.slack_api_url, token, metrics=deps.metrics),
            workspace_id,
            team_id,
            cursor,
            at,
            rules,
        )
    return pages


def _read_pages(
    deps: Deps, client: Any, workspace_id: int, team_id: str, cursor: str | None, at: datetime, rules: AwayRules
) -> int:
    read = 0
    starting = cursor is None
    totals = {"timezones": 0, "away": 0, "back": 0}
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
            for name, value in apply_page(session, workspace_id, users, at).items():
                totals[name] += value
            done = cursor is None
            values: dict[str, Any] = {"profile_cursor": cursor}
            if starting and read == 1:
                values["profile_pass_started_at"] = at
            if done:
                values["profile_pass_done_at"] = at
            session.execute(
                update(Workspace)
                .where(Workspace.id == workspace_id)
                .values(values)
                .execution_options(synchronize_session=False)
            )
        if done:
            break
    log.info("profiles refreshed", extra={"team": team_id, "pages": read, **totals})
    return read

"""Keeping members' timezones current without a users.info call per person.

Once a day per workspace, one paginated ``users.list`` pass (200 people a page) updates every
member whose timezone comes from Slack (``timezone_from_slack``; a timezone picked in settings is
never overwritten). People Slack reports as deleted stop being nudged. Which replica does the pass
is decided by the ledger: the first to insert the day's ``tz_refresh`` marker row does it; if it
dies half-way, the next day's pass catches up ("now and then" is the contract).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.models import Member, Workspace
from bot.nudges import ledger
from bot.services.members import is_valid_timezone
from bot.slack.client import make_web_client
from bot.slack.deps import Deps
from bot.slack.tokens import TokenSource

log = logging.getLogger(__name__)

JOB_KIND = "tz_refresh"
"""A ledger kind for a housekeeping marker (never delivered: the delivery loop only claims registered kinds)."""
PAGE_SIZE = 200
DELETED_REASON = "user_deleted"


@dataclass(frozen=True)
class SlackUser:
    tz: str | None
    deleted: bool


def _due_workspaces(session: Session) -> list[tuple[int, str, str | None]]:
    with_slack_timezones = select(Member.workspace_id).where(Member.timezone_from_slack.is_(True)).distinct()
    rows = session.execute(
        select(Workspace.id, Workspace.team_id, Workspace.enterprise_id).where(
            Workspace.uninstalled_at.is_(None), Workspace.id.in_(with_slack_timezones)
        )
    )
    return [(int(workspace_id), team_id, enterprise_id) for workspace_id, team_id, enterprise_id in rows]


def apply_users(session: Session, workspace_id: int, users: dict[str, SlackUser], at: datetime) -> int:
    """Store the timezones (and deletions) ``users.list`` reported; returns how many timezones changed."""
    members = session.execute(
        select(Member.id, Member.slack_user_id, Member.timezone, Member.delivery_blocked_at).where(
            Member.workspace_id == workspace_id, Member.timezone_from_slack.is_(True)
        )
    ).all()
    changed = [
        {"member_id": member_id, "tz": users[user_id].tz}
        for member_id, user_id, current, _blocked in members
        if user_id in users
        and users[user_id].tz
        and users[user_id].tz != current
        and is_valid_timezone(users[user_id].tz or "")
    ]
    deleted = [
        member_id
        for member_id, user_id, _current, blocked in members
        if user_id in users and users[user_id].deleted and blocked is None
    ]
    for item in changed:
        session.execute(
            update(Member)
            .where(Member.id == item["member_id"])
            .values(timezone=item["tz"])
            .execution_options(synchronize_session=False)
        )
    if deleted:
        session.execute(
            update(Member)
            .where(Member.id.in_(deleted))
            .values(delivery_blocked_at=at, delivery_blocked_reason=DELETED_REASON)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Member)
        .where(Member.workspace_id == workspace_id, Member.timezone_from_slack.is_(True))
        .values(timezone_refreshed_at=at)
        .execution_options(synchronize_session=False)
    )
    return len(changed)


def refresh_timezones(deps: Deps, tokens: TokenSource, at: datetime) -> int:
    """Run today's pass for every workspace that has not had one; returns timezones changed."""
    day = at.date().isoformat()
    with deps.db.transaction() as session:
        workspaces = _due_workspaces(session)
    total = 0
    for workspace_id, team_id, enterprise_id in workspaces:
        with deps.db.transaction() as session:
            mine = ledger.insert_marker(session, workspace_id, JOB_KIND, team_id, day, at)
        if not mine:
            continue
        token = tokens.bot_token(team_id, enterprise_id)
        if token is None:
            continue
        client = make_web_client(deps.settings.slack_api_url, token, metrics=deps.metrics)
        users: dict[str, SlackUser] = {}
        cursor: str | None = None
        try:
            while True:
                page = client.users_list(limit=PAGE_SIZE, cursor=cursor)
                for user in page.get("members") or []:
                    users[str(user.get("id"))] = SlackUser(tz=user.get("tz"), deleted=bool(user.get("deleted")))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except SlackApiError as exc:
            log.warning("users.list failed; timezones refresh tomorrow", extra={"team": team_id, "error": str(exc)})
            continue
        with deps.db.transaction() as session:
            changed = apply_users(session, workspace_id, users, at)
        total += changed
        log.info("timezones refreshed", extra={"team": team_id, "users": len(users), "changed": changed})
    return total

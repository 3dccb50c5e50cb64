"""Members as Slack's directory describes them: what each ``users.list`` page says (timezone, deleted,
away) stored for the members it names, and the workspace's place in its paged pass (a cursor, and the
minute whose pages one replica took). ``bot/tick/directory.py`` reads the pages."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.db.engine import Database
from bot.db.models import Member, Workspace
from bot.services.members import is_valid_timezone
from bot.webapi.profiles import SlackUser

PAGE_LEASE = timedelta(seconds=60)


class Pages(NamedTuple):
    cursor: str | None
    """Where this minute's pages start (None: a new pass, from the first page)."""


class InstalledWorkspace(NamedTuple):
    id: int
    team_id: str
    enterprise_id: str | None


def workspaces_due(db: Database, at: datetime, interval: timedelta, limit: int) -> list[InstalledWorkspace]:
    """Up to ``limit`` installed workspaces with members whose pass has pages to read this minute (the
    conditions ``take_pages`` checks), the longest waiting first: a tick that cannot read them all serves
    the rest next minute, whoever they are."""
    with db.transaction() as session:
        rows = session.execute(
            select(Workspace.id, Workspace.team_id, Workspace.enterprise_id)
            .where(
                Workspace.uninstalled_at.is_(None),
                _pages_due(at, interval),
                exists().where(Member.workspace_id == Workspace.id),
            )
            .order_by(Workspace.profile_page_at.is_not(None), Workspace.profile_page_at, Workspace.id)
            .limit(limit)
        ).all()
    return [InstalledWorkspace(*row) for row in rows]


def _pages_due(at: datetime, interval: timedelta) -> ColumnElement[bool]:
    """No one took the workspace's pages in the last 60 s, and a pass is under way or due."""
    return and_(
        or_(Workspace.profile_page_at.is_(None), Workspace.profile_page_at <= at - PAGE_LEASE),
        or_(
            Workspace.profile_cursor.is_not(None),
            Workspace.profile_pass_done_at.is_(None),
            Workspace.profile_pass_done_at <= at - interval,
        ),
    )


def take_pages(db: Database, workspace_id: int, at: datetime, interval: timedelta) -> Pages | None:
    """This minute's pages of the workspace's pass, if a pass is under way or due and no one took them in
    the last 60 s; None when there is nothing to read this minute."""
    with db.transaction() as session:
        taken = session.execute(
            update(Workspace)
            .where(Workspace.id == workspace_id, _pages_due(at, interval))
            .values(profile_page_at=at)
            .returning(Workspace.profile_cursor)
        ).one_or_none()
    return None if taken is None else Pages(taken.profile_cursor)


def save_page(
    db: Database, workspace_id: int, users: dict[str, SlackUser], cursor: str | None, at: datetime, *, first: bool
) -> Counter[str]:
    """Store one page and where the pass goes next (``cursor`` None: the pass is done)."""
    with db.transaction() as session:
        counts = apply_page(session, workspace_id, users, at)
        values: dict[str, Any] = {"profile_cursor": cursor}
        if first:
            values["profile_pass_started_at"] = at
        if cursor is None:
            values["profile_pass_done_at"] = at
        session.execute(update(Workspace).where(Workspace.id == workspace_id).values(values))
    return counts


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
    return counts

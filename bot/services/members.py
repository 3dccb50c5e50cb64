"""Who uses the bot: enrollment, lookup and the settings a member owns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import hot
from bot.db.engine import Database
from bot.db.models import Member, Workspace

TIMEZONE_REFRESH_AFTER = timedelta(days=7)
LAST_SEEN_GRANULARITY = timedelta(minutes=5)


def get_or_create_workspace(
    session: Session,
    team_id: str,
    now: datetime,
    enterprise_id: str | None = None,
    received_at: datetime | None = None,
) -> Workspace:
    """The workspace, created on first contact. A request from an uninstalled workspace means it was
    reinstalled, unless it was received before the uninstall (``received_at``): acked before it and
    done after (queued, or resumed after a crash), it would otherwise undo the uninstall."""
    workspace = session.scalar(select(Workspace).where(Workspace.team_id == team_id))
    if workspace is not None:
        if workspace.uninstalled_at is not None and (received_at is None or received_at > workspace.uninstalled_at):
            workspace.uninstalled_at = None
        if enterprise_id and workspace.enterprise_id is None:
            workspace.enterprise_id = enterprise_id
        return workspace
    try:
        with session.begin_nested():
            workspace = Workspace(team_id=team_id, enterprise_id=enterprise_id, created_at=now)
            session.add(workspace)
    except IntegrityError:
        # Another request enrolled the same team between our SELECT and INSERT.
        workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one()
    return workspace


def find_member(session: Session, team_id: str, user_id: str) -> Member | None:
    return session.scalar(
        select(Member).join(Workspace).where(Workspace.team_id == team_id, Member.slack_user_id == user_id)
    )


def enroll(
    session: Session,
    team_id: str,
    user_id: str,
    now: datetime,
    enterprise_id: str | None = None,
    received_at: datetime | None = None,
) -> Member:
    """The member for this Slack user, created on first contact; marks them as seen.

    ``received_at``: when the request was received, if not ``now`` (see :func:`get_or_create_workspace`)."""
    found = session.execute(
        select(Member, Workspace.uninstalled_at)
        .join(Workspace)
        .where(Workspace.team_id == team_id, Member.slack_user_id == user_id)
    ).first()
    member = found[0] if found is not None else None
    if found is not None and found[1] is not None:
        # Slack sends requests only for an installed app: the workspace was reinstalled (within the
        # retention period, or its rows would be gone), so every member's nudges resume.
        get_or_create_workspace(session, team_id, now, enterprise_id, received_at)
    if member is None:
        workspace = get_or_create_workspace(session, team_id, now, enterprise_id, received_at)
        try:
            with session.begin_nested():
                member = Member(workspace_id=workspace.id, slack_user_id=user_id, enrolled_at=now, last_seen_at=now)
                session.add(member)
        except IntegrityError:
            member = find_member(session, team_id, user_id)
            assert member is not None
    else:
        # Each write here is a condition of enroll_actor's read-only fast path too (_SEEN): keep them alike.
        if now - member.last_seen_at >= LAST_SEEN_GRANULARITY:
            member.last_seen_at = now
        if member.delivery_blocked_at is not None:
            # Slack once refused to deliver to them (bot blocked, account gone); using the bot says otherwise.
            member.delivery_blocked_at = None
            member.delivery_blocked_reason = None
    return member


@dataclass(frozen=True)
class Enrolment:
    """Who is acting, and whether their Slack profile (timezone, name) is due a refresh."""

    member_id: int
    needs_profile_refresh: bool


def enroll_actor(
    db: Database,
    team_id: str,
    user_id: str,
    now: datetime,
    enterprise_id: str | None = None,
    received_at: datetime | None = None,
) -> Enrolment:
    """:func:`enroll` in a transaction of its own: the member behind a request, created on first contact.

    Nearly every request comes from a member seen in the last few minutes, with nothing to write: they
    are read with one SELECT and no transaction to commit. Why not :func:`enroll` every time: its
    ORM load of the whole member row cost 366 us of CPU a request against 203 us for a Core read
    (``bench.load_http``'s ``/stage``, 2,000 calls each, SQLite), on every request the bot answers; the
    read is a :class:`~bot.db.hot.HotStatement` (0.37 -> 0.12 ms in the bot's conditions, bot/db/hot.py).
    """
    seen = hot.first(db, _HOT_SEEN, team_id=team_id, user_id=user_id)
    if seen is not None:
        member_id, last_seen_at, delivery_blocked_at, from_slack, refreshed_at, uninstalled_at = seen
        if uninstalled_at is None and delivery_blocked_at is None and now - last_seen_at < LAST_SEEN_GRANULARITY:
            return Enrolment(member_id, _timezone_due(from_slack, refreshed_at, now))
    with db.transaction() as session:
        member = enroll(session, team_id, user_id, now, enterprise_id, received_at)
        return Enrolment(member.id, needs_timezone_refresh(member, now))


_M, _W = Member.__table__.c, Workspace.__table__.c
_SEEN = (
    select(
        _M.id,
        _M.last_seen_at,
        _M.delivery_blocked_at,
        _M.timezone_from_slack,
        _M.timezone_refreshed_at,
        _W.uninstalled_at,
    )
    .join_from(Member.__table__, Workspace.__table__, _W.id == _M.workspace_id)
    .where(_W.team_id == bindparam("team_id"), _M.slack_user_id == bindparam("user_id"))
)
"""What :func:`enroll_actor` needs to know nothing must be written for a returning member."""
_HOT_SEEN = hot.HotStatement(_SEEN)


def save_slack_profile(
    db: Database,
    member_id: int,
    tz_name: str | None,
    display_name: str | None,
    now: datetime,
    away: bool = False,
    away_until: datetime | None = None,
) -> None:
    """Store what ``users.info`` said, the away status too: a member whose status already said vacation
    when they first used the bot still got that Friday's prompt, until the users.list pass reached them."""
    with db.transaction() as session:
        record_slack_profile(session, member_id, tz_name, display_name, now)
        member = session.get(Member, member_id)
        if away and member is not None and member.away_since is None:
            member.away_since, member.away_until = now, away_until


def needs_timezone_refresh(member: Member, now: datetime) -> bool:
    return _timezone_due(member.timezone_from_slack, member.timezone_refreshed_at, now)


def _timezone_due(from_slack: bool, refreshed: datetime | None, now: datetime) -> bool:
    if not from_slack:
        return False
    return refreshed is None or now - refreshed >= TIMEZONE_REFRESH_AFTER


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def record_slack_profile(
    session: Session, member_id: int, tz_name: str | None, display_name: str | None, now: datetime
) -> None:
    """Store what Slack reports for the member: their name, and their timezone unless they chose one."""
    member = session.get(Member, member_id)
    if member is None:
        return
    if display_name:
        member.display_name = display_name[:100]
    if not member.timezone_from_slack:
        return
    if tz_name and is_valid_timezone(tz_name):
        member.timezone = tz_name
    member.timezone_refreshed_at = now

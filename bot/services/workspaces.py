"""Workspace lifecycle: uninstalling stops everything at once; the data goes after a retention period.

- ``app_uninstalled`` / ``tokens_revoked`` remove the tokens and mark the workspace uninstalled:
  every planner and the delivery loop skip it from that moment.
- Any request from the workspace (Slack sends them only to an installed app) or a new OAuth
  install clears the mark: everyone's nudges resume, members enrolled before the uninstall too.
- The tick deletes every row of a workspace uninstalled longer ago than the retention period
  (``STAGECOACH_UNINSTALL_RETENTION_DAYS``). Rows are deleted, not flagged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import (
    BOTS_TABLE,
    INSTALLATIONS_TABLE,
    BragEntry,
    BragEvidence,
    Member,
    NudgeDelivery,
    SendBucket,
    StuckSession,
    Workspace,
)
from bot.services import found

log = logging.getLogger(__name__)


def mark_uninstalled(db: Database, team_id: str, now: datetime) -> bool:
    """Record that the app left this workspace: nothing more is sent there from now on."""
    with db.transaction() as session:
        workspace = session.scalar(select(Workspace).where(Workspace.team_id == team_id))
        if workspace is None:
            return False
        workspace.uninstalled_at = now
        # Like the workspace's Slack tokens: members' GitHub tokens go at once (found items with the rest, later).
        found.forget_tokens(session, select(Member.id).where(Member.workspace_id == workspace.id))
        return True


def mark_installed(db: Database, team_id: str) -> bool:
    """The app is (again) installed in this workspace: service resumes for every member. False if it never left."""
    with db.transaction() as session:
        result = session.execute(
            update(Workspace)
            .where(Workspace.team_id == team_id, Workspace.uninstalled_at.is_not(None))
            .values(uninstalled_at=None)
        )
        return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class Purged:
    team_id: str
    members: int
    entries: int


def purge_expired(db: Database, now: datetime, retention: timedelta) -> list[Purged]:
    """Delete every row of each workspace uninstalled at least ``retention`` before ``now``, then scrub the
    freed pages (``Database.scrub``) so the deleted text is gone from the file too."""
    with db.transaction() as session:
        purged = _purge(session, now, retention)
    for gone in purged:
        log.info(
            "deleted an uninstalled workspace's data after the retention period",
            extra={"team": gone.team_id, "members": gone.members, "entries": gone.entries},
        )
    if purged:
        db.scrub()
    return purged


def _purge(session: Session, now: datetime, retention: timedelta) -> list[Purged]:
    expired = session.execute(
        select(Workspace.id, Workspace.team_id).where(
            Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at <= now - retention
        )
    ).all()
    purged = []
    for workspace_id, team_id in expired:
        member_ids = select(Member.id).where(Member.workspace_id == workspace_id)
        entry_ids = select(BragEntry.id).where(BragEntry.member_id.in_(member_ids))
        # Children first: the foreign keys cascade too, but the result must not depend on it.
        found.delete_for_members(session, member_ids)
        session.execute(delete(BragEvidence).where(BragEvidence.entry_id.in_(entry_ids)))
        entries = session.execute(delete(BragEntry).where(BragEntry.member_id.in_(member_ids)))
        session.execute(delete(StuckSession).where(StuckSession.member_id.in_(member_ids)))
        session.execute(delete(NudgeDelivery).where(NudgeDelivery.workspace_id == workspace_id))
        members = session.execute(delete(Member).where(Member.workspace_id == workspace_id))
        session.execute(delete(SendBucket).where(SendBucket.workspace_id == workspace_id))
        # Tokens went at uninstall; an install record left by a failed delete must not outlive the rest.
        session.execute(delete(BOTS_TABLE).where(BOTS_TABLE.c.team_id == team_id))
        session.execute(delete(INSTALLATIONS_TABLE).where(INSTALLATIONS_TABLE.c.team_id == team_id))
        session.execute(delete(Workspace).where(Workspace.id == workspace_id))
        purged.append(
            Purged(
                team_id=team_id,
                members=int(getattr(members, "rowcount", 0) or 0),
                entries=int(getattr(entries, "rowcount", 0) or 0),
            )
        )
    return purged

"""Workspace lifecycle: uninstalling stops every nudge for the workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Workspace


def mark_uninstalled(session: Session, team_id: str, now: datetime) -> bool:
    """Record that the app left this workspace. Its members' data stays until they delete it."""
    workspace = session.scalar(select(Workspace).where(Workspace.team_id == team_id))
    if workspace is None:
        return False
    workspace.uninstalled_at = now
    return True

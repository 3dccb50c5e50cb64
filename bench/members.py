"""Benchmark members: many rows in one workspace, inserted in bulk (the ORM would take seconds for 10,000)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table

from bot.db.engine import Database
from bot.db.models import Member, Workspace

INSERT_CHUNK = 2000
CREATED_AT = datetime(2026, 1, 5, tzinfo=UTC)
"""When the benchmark workspace was created: stored times are the caller's, never the wall clock's."""


def insert_members(db: Database, count: int, columns: Callable[[int], dict[str, Any]]) -> list[str]:
    """``count`` members of a new workspace TBENCH, user ids ``U00000000``…; ``columns(index)`` fills each row."""
    user_ids = [f"U{index:08d}" for index in range(count)]
    with db.transaction() as session:
        workspace = Workspace(team_id="TBENCH", created_at=CREATED_AT)
        session.add(workspace)
        session.flush()
        rows = [
            {"workspace_id": workspace.id, "slack_user_id": user, **columns(index)}
            for index, user in enumerate(user_ids)
        ]
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(cast(Table, Member.__table__).insert(), rows[start : start + INSERT_CHUNK])
    return user_ids

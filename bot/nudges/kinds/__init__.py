"""One module per nudge kind, each declaring ``TYPE`` (a ``NudgeType``: kind, grace, priority, paged, its
``Payload`` dataclass, ``plan(session, Context) -> list[PlannedNudge]`` and ``render(session, Context, row,
payload)``), listed in ``bot/nudges/registry.py``; and what the planners share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from bot.db.models import Member, Workspace

MEMBER_AND_ZONE = (Member.id, Member.workspace_id, Member.slack_user_id, Member.timezone)
"""Who a member is (ledger row, workspace, DM recipient) and the zone their local times are in."""


def installed_members(*columns: Any) -> Select[Any]:
    """``select(*columns)`` over the members of workspaces still installed (an uninstalled one gets nothing)."""
    return (
        select(*columns).join(Workspace, Workspace.id == Member.workspace_id).where(Workspace.uninstalled_at.is_(None))
    )

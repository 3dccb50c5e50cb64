"""The manager link (a report's consent) and a manager's digest channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Member


class ManagerLinkError(ValueError):
    pass


def link_manager(member: Member, manager_user_id: str, now: datetime, bot_user_id: str | None = None) -> str | None:
    """Name ``manager_user_id`` as the member's manager; returns the previous manager, if any."""
    if manager_user_id == member.slack_user_id:
        raise ManagerLinkError("You can't be your own manager here: name the person you report to.")
    if bot_user_id is not None and manager_user_id == bot_user_id:
        raise ManagerLinkError("I'm flattered, but I can't be your manager: name the person you report to.")
    previous = member.manager_slack_user_id
    member.manager_slack_user_id = manager_user_id
    member.manager_linked_at = now
    return previous if previous != manager_user_id else None


def unlink_manager(member: Member) -> str | None:
    """Remove the link; the manager stops seeing anything of the member's from now on."""
    previous = member.manager_slack_user_id
    member.manager_slack_user_id = None
    member.manager_linked_at = None
    return previous


def report_count(session: Session, workspace_id: int, manager_user_id: str) -> int:
    return len(
        session.scalars(
            select(Member.id).where(
                Member.workspace_id == workspace_id, Member.manager_slack_user_id == manager_user_id
            )
        ).all()
    )


def set_digest_channel(manager: Member, channel_id: str | None) -> None:
    manager.digest_channel_id = channel_id


def report_user_ids(session: Session, workspace_id: int, manager_user_id: str) -> list[str]:
    """The Slack IDs of everyone who named this manager (to tell them where shared wins go)."""
    return list(
        session.scalars(
            select(Member.slack_user_id)
            .where(Member.workspace_id == workspace_id, Member.manager_slack_user_id == manager_user_id)
            .order_by(Member.slack_user_id)
        )
    )

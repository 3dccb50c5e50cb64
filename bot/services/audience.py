"""Who a member's sharing choices would reach right now: only them, their manager, their team's channel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Member, Visibility
from bot.services.win_input import EntryInputError


@dataclass(frozen=True)
class Audience:
    """Who the sharing choices would reach for this member, right now."""

    manager_user_id: str | None
    """The manager the member named, if any."""
    channel_id: str | None
    """That manager's team digest channel, if they set one."""

    @property
    def choices(self) -> list[Visibility]:
        """What the member may pick: the channel only once it exists, the manager only once named."""
        offered = [Visibility.PRIVATE]
        if self.manager_user_id is not None:
            offered.append(Visibility.MANAGER)
            if self.channel_id is not None:
                offered.append(Visibility.TEAM_CHANNEL)
        return offered


def audience_of(session: Session, member: Member) -> Audience:
    manager_id = member.manager_slack_user_id
    if manager_id is None:
        return Audience(None, None)
    channel = session.scalar(
        select(Member.digest_channel_id).where(
            Member.workspace_id == member.workspace_id, Member.slack_user_id == manager_id
        )
    )
    return Audience(manager_id, channel)


def check_audience(visibility: Visibility | None, audience: Audience) -> None:
    """Refuse the team channel when there is none (a form opened before the manager turned it off)."""
    if visibility is Visibility.TEAM_CHANNEL and audience.channel_id is None:
        raise EntryInputError(
            "visibility", "Your manager has no team digest channel right now: pick only you, or your manager."
        )

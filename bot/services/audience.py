"""Who a member's sharing choices would reach right now: only them, their manager, their team's channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session

from bot.db import hot
from bot.db.engine import Database
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


_MEMBERS = Member.__table__
_MANAGERS = Member.__table__.alias("manager")


def _manager_row(workspace_id: ColumnElement[int] | int, manager_id: ColumnElement[str] | str) -> ColumnElement[bool]:
    """Which row is a member's manager: the member of the same workspace with the Slack id they named."""
    return and_(_MANAGERS.c.workspace_id == workspace_id, _MANAGERS.c.slack_user_id == manager_id)


def audience_of(session: Session, member: Member) -> Audience:
    manager_id = member.manager_slack_user_id
    if manager_id is None:
        return Audience(None, None)
    channel = session.scalar(select(_MANAGERS.c.digest_channel_id).where(_manager_row(member.workspace_id, manager_id)))
    return Audience(manager_id, channel)


def with_audience(*columns: ColumnElement[Any]) -> hot.HotStatement:
    """A read of ``columns`` of a member's row (``member_id``) and their :class:`Audience`, in one statement.

    The win form opens on every Save as win and ``/win``: one read instead of an ORM load and a second
    query, kept compiled (bot/db/hot.py; the whole new-win form 1.16 -> 0.40 ms of CPU in the bot's conditions).
    """
    return hot.HotStatement(
        select(*columns, _MEMBERS.c.manager_slack_user_id, _MANAGERS.c.digest_channel_id)
        .select_from(
            _MEMBERS.outerjoin(_MANAGERS, _manager_row(_MEMBERS.c.workspace_id, _MEMBERS.c.manager_slack_user_id))
        )
        .where(_MEMBERS.c.id == bindparam("member_id"))
    )


def read_with_audience(
    db: Database, statement: hot.HotStatement, member_id: int
) -> tuple[Sequence[Any], Audience] | None:
    """The columns of a :func:`with_audience` statement for ``member_id``, and their :class:`Audience`."""
    row = hot.first(db, statement, member_id=member_id)
    if row is None:
        return None
    *values, manager_id, channel = row  # no manager named: the outer join found no row, so no channel
    return values, Audience(manager_id, channel)


def check_audience(visibility: Visibility | None, audience: Audience) -> None:
    """Refuse the team channel when there is none (a form opened before the manager turned it off)."""
    if visibility is Visibility.TEAM_CHANNEL and audience.channel_id is None:
        raise EntryInputError(
            "visibility", "Your manager has no team digest channel right now: pick only you, or your manager."
        )

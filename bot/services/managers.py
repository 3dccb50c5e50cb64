"""The manager link (a report's consent) and a manager's digest channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, Member, Visibility
from bot.services import notices
from bot.services.brag import audience_of
from bot.services.progress import SHARED_WITH_MANAGER
from bot.services.stages import load_member


class ManagerLinkError(ValueError):
    pass


@dataclass(frozen=True)
class ManagerLinked:
    manager_user_id: str
    previous: str | None
    """The manager named before, if it was someone else."""
    changed: bool
    """False when the member named the manager they already had."""
    digest_channel_id: str | None
    """The manager's team digest channel, where the member's team-channel wins appear."""
    notice: notices.Notice | None = None
    """Whether the manager will hear they were named, in the next morning's one message (``SEND``, or
    ``HELD_TODAY`` when this member already named them today), or why not (None: the link did not change)."""
    made_private: int = 0
    """Wins shared with the previous manager (or their channel), made private: a share never moves."""


def manager_of(db: Database, member_id: int) -> str | None:
    with db.transaction() as session:
        return load_member(session, member_id).manager_slack_user_id


def link_manager(
    db: Database, member_id: int, manager_user_id: str, now: datetime, bot_user_id: str | None = None
) -> ManagerLinked:
    """Name ``manager_user_id`` as the member's manager (:class:`ManagerLinkError` for themselves or the bot)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        if manager_user_id == member.slack_user_id:
            raise ManagerLinkError("You can't be your own manager here: name the person you report to.")
        if bot_user_id is not None and manager_user_id == bot_user_id:
            raise ManagerLinkError("I'm flattered, but I can't be your manager: name the person you report to.")
        previous = member.manager_slack_user_id
        member.manager_slack_user_id = manager_user_id
        member.manager_linked_at = now
        changed = previous != manager_user_id
        made_private = _privatise_shares(session, member) if changed and previous is not None else 0
        notice = (
            notices.decide(
                session,
                workspace_id=member.workspace_id,
                kind=notices.MANAGER_NAMED,
                actor=member.slack_user_id,
                recipient=manager_user_id,
                now=now,
            )
            if changed
            else None
        )
        return ManagerLinked(
            manager_user_id=manager_user_id,
            previous=previous if previous != manager_user_id else None,
            changed=changed,
            digest_channel_id=audience_of(session, member).channel_id,
            notice=notice,
            made_private=made_private,
        )


def _privatise_shares(session: Session, member: Member) -> int:
    """Make the member's wins shared with their manager (by DM or in the manager's channel) private.

    A share names a person: "Shared with Maria only" must not reach Bob when the report names Bob
    instead (issue 24: it did, in Bob's Monday DM). The issue's default when the manager changes is
    "stay with the old one or become private, never move"; the old manager sees nothing once unlinked,
    so they become private, and the member is told how many (each can be shared again, with Bob).
    """
    result = session.execute(
        update(BragEntry)
        .where(BragEntry.member_id == member.id, BragEntry.visibility.in_(SHARED_WITH_MANAGER))
        .values(visibility=Visibility.PRIVATE)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class ManagerUnlinked:
    previous: str | None
    """Who it was (None: there was no link)."""
    made_private: int
    """Wins that were shared with them, now private."""


def unlink_manager(db: Database, member_id: int) -> ManagerUnlinked:
    """Remove the link; the manager stops seeing anything of the member's from now on, and what was shared
    with them becomes private (so it never reaches a manager named later)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        previous = member.manager_slack_user_id
        member.manager_slack_user_id = None
        member.manager_linked_at = None
        return ManagerUnlinked(previous, _privatise_shares(session, member) if previous is not None else 0)


@dataclass(frozen=True)
class DigestChannel:
    """Where a manager's weekly team digest goes, and who it is about."""

    channel_id: str | None
    previous: str | None
    """The channel before this change (the same as ``channel_id`` when nothing changed)."""
    reports: int
    report_user_ids: list[str]
    """The Slack IDs of the reports to tell where shared wins go (see :func:`set_digest_channel`)."""
    held: int = 0
    """Reports not told now: this manager already told them of a digest move today."""
    muted: int = 0
    """Reports not told: they asked for no messages about this manager."""


def _report_user_ids(session: Session, manager: Member) -> list[str]:
    return list(
        session.scalars(
            select(Member.slack_user_id)
            .where(Member.workspace_id == manager.workspace_id, Member.manager_slack_user_id == manager.slack_user_id)
            .order_by(Member.slack_user_id)
        )
    )


def digest_channel(db: Database, member_id: int) -> DigestChannel:
    """The manager's digest channel as it is."""
    with db.transaction() as session:
        manager = load_member(session, member_id)
        report_ids = _report_user_ids(session, manager)
        current = manager.digest_channel_id
        return DigestChannel(current, current, len(report_ids), report_ids)


def set_digest_channel(db: Database, member_id: int, channel_id: str | None, now: datetime) -> DigestChannel:
    """Post the manager's digest in ``channel_id`` from now on (None: no digest).

    ``report_user_ids`` are the reports to tell: when the channel changed, and only those this manager
    has not told about a digest move today (``held`` counts the others).
    """
    with db.transaction() as session:
        manager = load_member(session, member_id)
        previous = manager.digest_channel_id
        manager.digest_channel_id = channel_id
        report_ids = _report_user_ids(session, manager)
        if channel_id == previous:
            return DigestChannel(channel_id, previous, len(report_ids), [])
        decided = {
            report: notices.decide(
                session,
                workspace_id=manager.workspace_id,
                kind=notices.DIGEST_MOVED,
                actor=manager.slack_user_id,
                recipient=report,
                now=now,
            )
            for report in report_ids
        }
        to_tell = [report for report, notice in decided.items() if notice == notices.Notice.SEND]
        muted = sum(notice == notices.Notice.MUTED for notice in decided.values())
        held = len(report_ids) - len(to_tell) - muted
        return DigestChannel(channel_id, previous, len(report_ids), to_tell, held=held, muted=muted)


def claim_digest_announcement(db: Database, member_id: int, channel_id: str, now: datetime) -> bool:
    """Whether to announce the digest in ``channel_id``: not when it already posts there, nor twice a day."""
    with db.transaction() as session:
        manager = load_member(session, member_id)
        if manager.digest_channel_id == channel_id:
            return False
        return notices.claim(
            session,
            workspace_id=manager.workspace_id,
            kind=notices.DIGEST_ANNOUNCED,
            actor=manager.slack_user_id,
            recipient=channel_id,
            now=now,
        )

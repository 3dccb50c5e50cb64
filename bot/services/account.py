"""A person's data as a whole: what the bot holds about them, and deleting all of it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import (
    BragEntry,
    BragEvidence,
    InboxRequest,
    Member,
    NoticeSent,
    NudgeDelivery,
    Rater,
    ReviewConversation,
    ReviewRating,
    StuckSession,
    Workspace,
)
from bot.services import found
from bot.services.members import find_member

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataSummary:
    """How much the bot holds about someone: shown before they confirm a deletion."""

    entries: int
    stuck_sessions: int
    deliveries: int
    workspaces: int = 1
    """How many workspaces the deletion covers: 1, or every workspace of an Enterprise Grid org."""
    organisation: bool = False
    """True when the scope is an Enterprise Grid organisation rather than one workspace."""


@dataclass(frozen=True)
class DeletionReport:
    members: int
    entries: int
    stuck_sessions: int
    deliveries: int
    manager_links_cleared: int
    credits_cleared: int


def scope_workspace_ids(session: Session, team_id: str) -> tuple[list[int], bool]:
    """The workspaces a request from ``team_id`` speaks for, and whether that is a Grid org.

    A Slack user ID names one person within a workspace, and within an Enterprise Grid org (a Grid
    user keeps one ID in every workspace of the org). Two unrelated workspaces may hold the same
    ID for two different people, so a request never reaches beyond its own workspace or org.
    """
    row = session.execute(select(Workspace.id, Workspace.enterprise_id).where(Workspace.team_id == team_id)).first()
    if row is None:
        return [], False
    workspace_id, enterprise_id = row
    if enterprise_id is None:
        return [int(workspace_id)], False
    ids = session.scalars(select(Workspace.id).where(Workspace.enterprise_id == enterprise_id)).all()
    return [int(i) for i in ids], True


def _member_ids(session: Session, slack_user_id: str, workspace_ids: list[int]) -> list[int]:
    return list(
        session.scalars(
            select(Member.id).where(Member.slack_user_id == slack_user_id, Member.workspace_id.in_(workspace_ids))
        )
    )


def data_summary(session: Session, slack_user_id: str, team_id: str) -> DataSummary:
    workspace_ids, organisation = scope_workspace_ids(session, team_id)
    ids = _member_ids(session, slack_user_id, workspace_ids)
    entries = session.scalar(select(func.count()).select_from(BragEntry).where(BragEntry.member_id.in_(ids)))
    stuck = session.scalar(select(func.count()).select_from(StuckSession).where(StuckSession.member_id.in_(ids)))
    deliveries = session.scalar(
        select(func.count())
        .select_from(NudgeDelivery)
        .where(
            NudgeDelivery.member_id.in_(ids)
            | ((NudgeDelivery.recipient_id == slack_user_id) & NudgeDelivery.workspace_id.in_(workspace_ids))
        )
    )
    return DataSummary(
        entries=int(entries or 0),
        stuck_sessions=int(stuck or 0),
        deliveries=int(deliveries or 0),
        workspaces=len(workspace_ids),
        organisation=organisation,
    )


def delete_all_data(session: Session, slack_user_id: str, team_id: str) -> DeletionReport:
    """Remove everything the bot holds about this Slack user in this workspace (Grid: this org).

    Rows are deleted, never flagged. On SQLite the engine sets ``secure_delete`` so the freed
    space is zeroed; :meth:`bot.db.engine.Database.scrub` then folds the WAL into the file.

    Deleted: their member rows with their brag entries and evidence, stuck sessions and the
    ledger rows about them or sent to them. The foreign keys cascade too; the explicit deletes
    keep the result the same even where a database does not enforce them.

    Cleared in other people's rows of the same scope (those rows are the other people's data
    and stay, but must not keep pointing at someone who asked to be forgotten):
    - ``members.manager_slack_user_id``: reports who named this person as their manager. The
      link was the report's consent to share with them; without it nothing goes to them.
    - ``brag_entries.credited_user_id``: wins someone saved from this person's message keep
      their text (it is the saver's brag document) but no longer name them.
    - ``review_conversations.invited_manager_id`` (and the ratings they gave as that manager).

    Not touched: ``slack_installations`` / ``slack_bots`` hold the workspace's bot token with
    the installer's ID as Slack's OAuth record; deleting them would uninstall the bot for
    everyone, and ``app_uninstalled`` / ``tokens_revoked`` already remove them.
    """
    workspace_ids, _ = scope_workspace_ids(session, team_id)
    ids = _member_ids(session, slack_user_id, workspace_ids)
    entry_ids = select(BragEntry.id).where(BragEntry.member_id.in_(ids))
    in_scope = select(Member.id).where(Member.workspace_id.in_(workspace_ids))

    found.delete_for_members(session, ids)  # connected accounts (tokens) and found items
    session.execute(delete(BragEvidence).where(BragEvidence.entry_id.in_(entry_ids)))
    entries = session.execute(delete(BragEntry).where(BragEntry.member_id.in_(ids)))
    stuck = session.execute(delete(StuckSession).where(StuckSession.member_id.in_(ids)))
    deliveries = session.execute(
        delete(NudgeDelivery).where(
            NudgeDelivery.member_id.in_(ids)
            | ((NudgeDelivery.recipient_id == slack_user_id) & NudgeDelivery.workspace_id.in_(workspace_ids))
        )
    )
    # Review conversations: their own go (explicitly, as above); as an invited manager, their ratings go and
    # the invitation is cleared (the report's own ratings stay: those are the report's words).
    own_conversations = select(ReviewConversation.id).where(ReviewConversation.member_id.in_(ids))
    session.execute(delete(ReviewRating).where(ReviewRating.conversation_id.in_(own_conversations)))
    session.execute(delete(ReviewConversation).where(ReviewConversation.member_id.in_(ids)))
    invited = (
        select(ReviewConversation.id)
        .join(Member, Member.id == ReviewConversation.member_id)
        .where(ReviewConversation.invited_manager_id == slack_user_id, Member.workspace_id.in_(workspace_ids))
    )
    session.execute(
        delete(ReviewRating).where(ReviewRating.conversation_id.in_(invited), ReviewRating.rater == Rater.MANAGER)
    )
    session.execute(
        update(ReviewConversation)
        .where(ReviewConversation.id.in_(invited))
        .values(invited_manager_id=None, invited_at=None, manager_rated_at=None)
    )
    # Messages the bot sent because of them, or to them (bot/services/notices.py): ids and a day, no text,
    # but the ids are theirs. Their other requests still in the inbox (bot/services/inbox.py) go too.
    session.execute(
        delete(NoticeSent).where(
            NoticeSent.workspace_id.in_(workspace_ids),
            (NoticeSent.actor_user_id == slack_user_id) | (NoticeSent.recipient_id == slack_user_id),
        )
    )
    session.execute(delete(InboxRequest).where(InboxRequest.user_id == slack_user_id, InboxRequest.team_id == team_id))
    members = session.execute(delete(Member).where(Member.id.in_(ids)))
    links = session.execute(
        update(Member)
        .where(Member.manager_slack_user_id == slack_user_id, Member.workspace_id.in_(workspace_ids))
        .values(manager_slack_user_id=None, manager_linked_at=None)
    )
    credits = session.execute(
        update(BragEntry)
        .where(BragEntry.credited_user_id == slack_user_id, BragEntry.member_id.in_(in_scope))
        .values(credited_user_id=None)
    )
    session.expire_all()

    def rows(result: object) -> int:
        return int(getattr(result, "rowcount", 0) or 0)

    return DeletionReport(
        members=rows(members),
        entries=rows(entries),
        stuck_sessions=rows(stuck),
        deliveries=rows(deliveries),
        manager_links_cleared=rows(links),
        credits_cleared=rows(credits),
    )


def summarize(db: Database, slack_user_id: str, team_id: str) -> DataSummary:
    """:func:`data_summary` in a transaction of its own: what a deletion would remove."""
    with db.transaction() as session:
        return data_summary(session, slack_user_id, team_id)


class DeletionOutcome(StrEnum):
    NOTHING = "nothing"
    """No member (a second click, or data already deleted): nothing to delete."""
    REFUSED = "refused"
    """The confirmation was shown to another member (or is stale): nothing deleted."""
    DELETED = "deleted"


@dataclass(frozen=True)
class Deletion:
    outcome: DeletionOutcome
    report: DeletionReport | None = None


def delete_my_data(db: Database, slack_user_id: str, team_id: str, confirmed_member_id: int | None) -> Deletion:
    """Delete the person's data if ``confirmed_member_id`` (what the confirmation names) is their member row.

    The person is looked up, not enrolled: a second click must not create a fresh profile just to
    refuse it. After the deletion the database is scrubbed (:meth:`Database.scrub`).
    """
    with db.transaction() as session:
        member = find_member(session, team_id, slack_user_id)
        if member is None:
            return Deletion(DeletionOutcome.NOTHING)
        # Anyone else's click (or a stale button) deletes nothing.
        if confirmed_member_id != member.id:
            log.warning("delete-my-data refused: the button was for another member", extra={"member": member.id})
            return Deletion(DeletionOutcome.REFUSED)
        report = delete_all_data(session, slack_user_id, team_id)
    db.scrub()
    log.info(
        "deleted a member's data",
        extra={"members": report.members, "entries": report.entries, "deliveries": report.deliveries},
    )
    return Deletion(DeletionOutcome.DELETED, report)

"""A person's data as a whole: what the bot holds about them, and deleting all of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db.models import (
    BragEntry,
    BragEvidence,
    Member,
    NudgeDelivery,
    ReviewConversation,
    ReviewRating,
    StuckSession,
)


@dataclass(frozen=True)
class DataSummary:
    """How much the bot holds about someone: shown before they confirm a deletion."""

    entries: int
    stuck_sessions: int
    deliveries: int


@dataclass(frozen=True)
class DeletionReport:
    members: int
    entries: int
    stuck_sessions: int
    deliveries: int
    manager_links_cleared: int
    credits_cleared: int


def _member_ids(session: Session, slack_user_id: str) -> list[int]:
    return list(session.scalars(select(Member.id).where(Member.slack_user_id == slack_user_id)))


def data_summary(session: Session, slack_user_id: str) -> DataSummary:
    ids = _member_ids(session, slack_user_id)
    entries = session.scalar(select(func.count()).select_from(BragEntry).where(BragEntry.member_id.in_(ids)))
    stuck = session.scalar(select(func.count()).select_from(StuckSession).where(StuckSession.member_id.in_(ids)))
    deliveries = session.scalar(
        select(func.count())
        .select_from(NudgeDelivery)
        .where(NudgeDelivery.member_id.in_(ids) | (NudgeDelivery.recipient_id == slack_user_id))
    )
    return DataSummary(entries=int(entries or 0), stuck_sessions=int(stuck or 0), deliveries=int(deliveries or 0))


def delete_all_data(session: Session, slack_user_id: str) -> DeletionReport:
    """Remove everything the bot holds about this Slack user, in every workspace they used it in.

    Slack user IDs are unique across workspaces (an Enterprise Grid user keeps one ID), so the
    ID alone finds all of a person's member rows.

    Deleted: their member rows with their brag entries and evidence, stuck sessions and the
    ledger rows about them or sent to them. The foreign keys cascade too; the explicit deletes
    keep the result the same even where a database does not enforce them.

    Cleared in other people's rows (those rows are the other people's data and stay, but
    must not keep pointing at someone who asked to be forgotten):
    - ``members.manager_slack_user_id``: reports who named this person as their manager. The
      link was the report's consent to share with them; without it nothing goes to them.
    - ``brag_entries.credited_user_id``: wins someone saved from this person's message keep
      their text (it is the saver's brag document) but no longer name them.
    - ``review_conversations.invited_manager_id`` (and the ratings they gave as that manager).

    Not touched: ``slack_installations`` / ``slack_bots`` hold the workspace's bot token with
    the installer's ID as Slack's OAuth record; deleting them would uninstall the bot for
    everyone, and ``app_uninstalled`` / ``tokens_revoked`` already remove them.
    """
    ids = _member_ids(session, slack_user_id)
    entry_ids = select(BragEntry.id).where(BragEntry.member_id.in_(ids))

    session.execute(delete(BragEvidence).where(BragEvidence.entry_id.in_(entry_ids)))
    entries = session.execute(delete(BragEntry).where(BragEntry.member_id.in_(ids)))
    stuck = session.execute(delete(StuckSession).where(StuckSession.member_id.in_(ids)))
    deliveries = session.execute(
        delete(NudgeDelivery).where(NudgeDelivery.member_id.in_(ids) | (NudgeDelivery.recipient_id == slack_user_id))
    )
    # Review conversations: their own go (explicitly, as above); as an invited manager, their ratings go and
    # the invitation is cleared (the report's own ratings stay: those are the report's words).
    own_conversations = select(ReviewConversation.id).where(ReviewConversation.member_id.in_(ids))
    session.execute(delete(ReviewRating).where(ReviewRating.conversation_id.in_(own_conversations)))
    session.execute(delete(ReviewConversation).where(ReviewConversation.member_id.in_(ids)))
    invited = select(ReviewConversation.id).where(ReviewConversation.invited_manager_id == slack_user_id)
    session.execute(
        delete(ReviewRating).where(ReviewRating.conversation_id.in_(invited), ReviewRating.rater == "manager")
    )
    session.execute(
        update(ReviewConversation)
        .where(ReviewConversation.invited_manager_id == slack_user_id)
        .values(invited_manager_id=None, invited_at=None, manager_rated_at=None)
    )
    members = session.execute(delete(Member).where(Member.id.in_(ids)))
    links = session.execute(
        update(Member)
        .where(Member.manager_slack_user_id == slack_user_id)
        .values(manager_slack_user_id=None, manager_linked_at=None)
    )
    credits = session.execute(
        update(BragEntry).where(BragEntry.credited_user_id == slack_user_id).values(credited_user_id=None)
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

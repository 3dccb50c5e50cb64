"""Deleting a person's data as a service: everything about them, nothing of anyone else's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence, Member, NudgeDelivery, StuckSession
from bot.services import account, brag
from bot.services.members import enroll
from content import Content
from tests.support.members import NOW, delivery


def _two_workspaces(session: Session, content: Content, enterprise: str | None) -> tuple[Member, Member, Member]:
    me = enroll(session, "T1", "W1", NOW, enterprise)
    me_elsewhere = enroll(session, "T2", "W1", NOW, enterprise)
    report_of_mine = enroll(session, "T1", "U2", NOW, enterprise)
    report_of_mine.manager_slack_user_id = "W1"
    report_of_mine.manager_linked_at = NOW
    for member in (me, me_elsewhere):
        brag.create_entry(
            session, content, member, brag.WinInput("mine", evidence_keys=["t-ask-for-feedback"]), now=NOW
        )
        session.add(StuckSession(member_id=member.id, started_at=NOW, nudge_due_at=NOW + timedelta(minutes=30)))
        session.add(delivery(member, "W1", "w1"))
    brag.create_entry(session, content, report_of_mine, brag.WinInput("theirs"), now=NOW, credited_user_id="W1")
    session.add(delivery(report_of_mine, "W1", "linked"))
    session.add(delivery(report_of_mine, "U2", "w1"))
    session.flush()
    return me, me_elsewhere, report_of_mine


def test_delete_all_data_stays_in_the_workspace_it_was_asked_in(session: Session, content: Content) -> None:
    # Two unrelated workspaces may give two different people the same ID: T2's W1 is someone else.
    _me, me_elsewhere, _report = _two_workspaces(session, content, enterprise=None)

    summary = account.data_summary(session, "W1", "T1")
    assert summary == account.DataSummary(entries=1, stuck_sessions=1, deliveries=2, workspaces=1)

    report = account.delete_all_data(session, "W1", "T1")
    assert (report.members, report.entries, report.stuck_sessions, report.deliveries) == (1, 1, 1, 2)
    assert (report.manager_links_cleared, report.credits_cleared) == (1, 1)

    assert sorted(session.scalars(select(Member.slack_user_id)).all()) == ["U2", "W1"]
    assert session.get(Member, me_elsewhere.id) is not None
    assert sorted(session.scalars(select(BragEntry.what)).all()) == ["mine", "theirs"]
    assert session.scalar(select(func.count()).select_from(StuckSession)) == 1
    assert account.data_summary(session, "W1", "T1") == account.DataSummary(0, 0, 0)
    assert account.data_summary(session, "W1", "T2").entries == 1


def test_delete_all_data_covers_the_whole_grid_org(session: Session, content: Content) -> None:
    # On Enterprise Grid one person keeps one ID in every workspace of the org.
    _two_workspaces(session, content, enterprise="E1")

    summary = account.data_summary(session, "W1", "T1")
    assert summary == account.DataSummary(entries=2, stuck_sessions=2, deliveries=3, workspaces=2, organisation=True)
    report = account.delete_all_data(session, "W1", "T1")
    assert (report.members, report.entries, report.stuck_sessions, report.deliveries) == (2, 2, 2, 3)
    assert (report.manager_links_cleared, report.credits_cleared) == (1, 1)

    assert session.scalars(select(Member.slack_user_id)).all() == ["U2"]
    assert session.scalars(select(BragEntry.what)).all() == ["theirs"]
    assert session.scalar(select(func.count()).select_from(BragEvidence)) == 0
    assert session.scalar(select(func.count()).select_from(StuckSession)) == 0
    assert session.scalars(select(NudgeDelivery.recipient_id)).all() == ["U2"]
    remaining = session.scalars(select(Member)).one()
    assert remaining.manager_slack_user_id is None and remaining.manager_linked_at is None
    assert session.scalars(select(BragEntry)).one().credited_user_id is None


def test_deleting_someone_with_nothing_is_harmless(session: Session) -> None:
    enroll(session, "T1", "U2", NOW)
    report = account.delete_all_data(session, "U404", "T1")
    assert report.members == 0
    assert session.scalar(select(func.count()).select_from(Member)) == 1

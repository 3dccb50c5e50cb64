"""The brag service on a real database: editing, deleting, listing, ownership, text from Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import BragEntry, BragEvidence, Member, Visibility
from bot.services import brag
from bot.services.members import enroll
from bot.slack.text import plain_from_slack
from content import Content
from tests.support.members import NOW


@pytest.fixture
def someone_else(session: Session) -> Member:
    return enroll(session, "T1", "U2", NOW)


def test_update_replaces_fields_and_evidence(session: Session, content: Content, me: Member) -> None:
    entry = brag.create_entry(
        session, content, me, brag.WinInput("First", evidence_keys=["t-ask-for-feedback", "s1-help-onboard"]), now=NOW
    )
    later = NOW + timedelta(hours=1)
    updated = brag.update_entry(
        session,
        content,
        me,
        entry.id,
        brag.WinInput(
            "  Second  ",
            impact="Saved 3 hours a week",
            link="https://example.com/pr/1",
            evidence_keys=["s1-help-onboard", "t-make-work-legible", "s1-help-onboard"],
            visibility=Visibility.MANAGER,
        ),
        now=later,
    )
    session.expire_all()
    fresh = session.get(BragEntry, updated.id)
    assert fresh is not None
    assert (fresh.what, fresh.impact, fresh.lesson, fresh.link) == (
        "Second",
        "Saved 3 hours a week",
        None,
        "https://example.com/pr/1",
    )
    assert sorted(fresh.evidence_keys) == ["s1-help-onboard", "t-make-work-legible"]
    assert fresh.visibility == "manager" and fresh.updated_at == later and fresh.created_at == NOW


def test_update_without_visibility_keeps_it(session: Session, content: Content, me: Member) -> None:
    entry = brag.create_entry(session, content, me, brag.WinInput("x", visibility=Visibility.MANAGER), now=NOW)
    brag.update_entry(session, content, me, entry.id, brag.WinInput("y"), now=NOW)
    assert entry.visibility == "manager"


def test_update_checks_limits_and_changes_nothing_on_error(session: Session, content: Content, me: Member) -> None:
    entry = brag.create_entry(session, content, me, brag.WinInput("Keep me"), now=NOW)
    with pytest.raises(brag.EntryInputError) as error:
        brag.update_entry(
            session, content, me, entry.id, brag.WinInput("ok", lesson="x" * (brag.MAX_LESSON + 1)), now=NOW
        )
    assert error.value.field == "lesson"
    with pytest.raises(brag.EntryInputError) as error:
        brag.update_entry(session, content, me, entry.id, brag.WinInput("ok", evidence_keys=["nope"]), now=NOW)
    assert error.value.field == "evidence"
    assert entry.what == "Keep me"


def test_only_the_owner_can_update_or_delete(
    session: Session, content: Content, me: Member, someone_else: Member
) -> None:
    entry = brag.create_entry(session, content, me, brag.WinInput("Mine"), now=NOW)
    with pytest.raises(brag.NotYourEntry):
        brag.update_entry(session, content, someone_else, entry.id, brag.WinInput("Theirs now"), now=NOW)
    with pytest.raises(brag.NotYourEntry):
        brag.delete_entry(session, someone_else, entry.id)
    with pytest.raises(brag.NotYourEntry):
        brag.delete_entry(session, me, entry.id + 1000)
    assert session.get(BragEntry, entry.id) is not None and entry.what == "Mine"


def test_delete_removes_the_entry_and_its_evidence(session: Session, content: Content, me: Member) -> None:
    entry = brag.create_entry(
        session, content, me, brag.WinInput("Gone", evidence_keys=["t-ask-for-feedback"]), now=NOW
    )
    brag.delete_entry(session, me, entry.id)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(BragEntry)) == 0
    assert session.scalar(select(func.count()).select_from(BragEvidence)) == 0


def test_recent_all_and_count(session: Session, content: Content, me: Member, someone_else: Member) -> None:
    for index in range(5):
        brag.create_entry(session, content, me, brag.WinInput(f"win {index}"), now=NOW + timedelta(days=index))
    brag.create_entry(session, content, someone_else, brag.WinInput("not mine"), now=NOW)
    assert [e.what for e in brag.recent_entries(session, me.id, 3)] == ["win 4", "win 3", "win 2"]
    assert [e.what for e in brag.all_entries(session, me.id)] == [f"win {i}" for i in range(5)]
    assert brag.count_entries(session, me.id) == 5


def test_summary_orders_evidence_as_the_content_does(session: Session, content: Content, me: Member) -> None:
    keys = ["t-ask-for-feedback", content.stage(3).exit_criteria[0].key, content.stage(1).exit_criteria[0].key]
    entry = brag.create_entry(session, content, me, brag.WinInput("x", evidence_keys=keys), now=NOW)
    assert brag.summarize(content, entry).evidence_keys == (keys[2], keys[1], keys[0])


def test_parse_visibility() -> None:
    assert brag.parse_visibility("manager") is Visibility.MANAGER
    assert brag.parse_visibility(None) is None
    with pytest.raises(brag.EntryInputError):
        brag.parse_visibility("public")


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("Thanks <@U1|sam> &amp; team", "Thanks @sam & team"),
        ("see <https://x.example/a?b=1&amp;c=2|the doc>", "see the doc (https://x.example/a?b=1&c=2)"),
        ("bare <https://x.example>", "bare https://x.example"),
        ("&lt;!channel&gt; literally", "<!channel> literally"),
        ("raw <!channel> reads", "raw @channel reads"),
        ("  spaced  ", "spaced"),
    ],
)
def test_plain_from_slack(raw: str, plain: str) -> None:
    assert plain_from_slack(raw) == plain

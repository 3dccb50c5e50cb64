"""The weekly team digest: consent, privacy, escaping, and Block Kit limits, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks.digest import digest_page
from bot.blocks.limits import message_problems
from bot.db.models import EntrySource, Member, StuckSession, Visibility, Workspace
from bot.services import brag
from bot.services.digest import CHANNEL_AUDIENCE, MANAGER_AUDIENCE, TeamDigest, build_team_digest
from content import Content

WEEK = datetime(2026, 11, 16, tzinfo=UTC)
MANAGER = "UMGR"


def team(session: Session, reports: int, stage: int = 1, manager: str | None = MANAGER) -> tuple[int, list[Member]]:
    workspace = Workspace(team_id="T0001", created_at=WEEK - timedelta(days=365))
    session.add(workspace)
    session.flush()
    members = [
        Member(
            workspace_id=workspace.id,
            slack_user_id=f"U{index:04d}",
            display_name=f"Person {index}",
            stage=stage,
            manager_slack_user_id=manager,
            enrolled_at=WEEK - timedelta(days=365),
            last_seen_at=WEEK,
        )
        for index in range(reports)
    ]
    session.add_all(members)
    session.flush()
    return workspace.id, members


def win(
    session: Session,
    content: Content,
    member: Member,
    what: str,
    visibility: Visibility,
    at: datetime = WEEK + timedelta(days=2),
    **kw: object,
) -> None:
    brag.create_entry(
        session,
        content,
        member,
        brag.WinInput(what, visibility=visibility, **kw),  # type: ignore[arg-type]
        now=at,
        source=EntrySource.COMMAND,
    )


def digest_messages(content: Content, digest: TeamDigest) -> list[dict[str, Any]]:
    """Every page of the digest, as delivery renders them: ``digest_page`` until it has none."""
    pages: list[dict[str, Any]] = []
    while (page := digest_page(content, digest, len(pages) + 1)) is not None:
        pages.append(page)
    return pages


def digest_text(
    session: Session,
    content: Content,
    workspace_id: int,
    manager: str = MANAGER,
    audience: tuple[str, ...] = CHANNEL_AUDIENCE,
) -> str:
    """The digest's text for ``audience``: the team channel's by default, ``MANAGER_AUDIENCE`` for her DM."""
    digest = build_team_digest(session, content, workspace_id, manager, WEEK, WEEK + timedelta(days=7), audience)
    messages = digest_messages(content, digest)
    for payload in messages:
        assert message_problems(payload) == []
    return "\n".join(str(m) for m in messages)


def test_shared_wins_appear_private_never(session: Session, content: Content) -> None:
    workspace_id, [ana] = team(session, 1)
    win(session, content, ana, "Shipped the retry fix", Visibility.TEAM_CHANNEL)
    win(session, content, ana, "Secret side project", Visibility.PRIVATE)
    text = digest_text(session, content, workspace_id)
    assert "Shipped the retry fix" in text
    assert "Secret side project" not in text


def test_last_weeks_wins_stay_out(session: Session, content: Content) -> None:
    workspace_id, [ana] = team(session, 1)
    win(session, content, ana, "Old news", Visibility.TEAM_CHANNEL, at=WEEK - timedelta(days=1))
    assert "Old news" not in digest_text(session, content, workspace_id)


def test_broadcast_mentions_are_neutralised(session: Session, content: Content) -> None:
    workspace_id, [ana] = team(session, 1)
    ana.display_name = "Ana <!here>"
    win(session, content, ana, "<!channel> look & see <@U999>", Visibility.TEAM_CHANNEL)
    text = digest_text(session, content, workspace_id)
    assert "<!channel>" not in text and "<!here>" not in text and "<@U999>" not in text
    assert "&lt;!channel&gt; look &amp; see" in text


def test_reports_who_shared_nothing_are_counted_never_named(session: Session, content: Content) -> None:
    workspace_id, [ana, _ben, _cy] = team(session, 3)
    win(session, content, ana, "Did a thing", Visibility.TEAM_CHANNEL)
    text = digest_text(session, content, workspace_id)
    # The channel celebrates who shared: nobody else is named or counted there.
    assert "shared nothing" not in text
    assert "Person 1" not in text and "Person 2" not in text
    assert "<@U0001>" not in text and "<@U0002>" not in text
    assert "Person 0" in text
    # The manager's own digest counts them, never names them.
    dm = digest_text(session, content, workspace_id, audience=MANAGER_AUDIENCE)
    assert "2 reports shared nothing with you this week" in dm
    assert "Person 1" not in dm and "Person 2" not in dm


def test_a_win_for_my_manager_never_reaches_the_channel_digest(session: Session, content: Content) -> None:
    workspace_id, [ana] = team(session, 1)
    keys = [c.key for c in content.stage(1).exit_criteria]
    win(session, content, ana, "Only for my manager", Visibility.MANAGER, evidence_keys=keys)
    win(session, content, ana, "For the team", Visibility.TEAM_CHANNEL)
    channel = digest_text(session, content, workspace_id)
    assert "For the team" in channel and "Only for my manager" not in channel
    # The channel celebrates: no progress, readiness, 1:1 idea or manager's part in front of the team.
    assert "exit criteria" not in channel and "may be ready" not in channel
    assert "1:1 idea" not in channel and "Your part" not in channel
    dm = build_team_digest(session, content, workspace_id, MANAGER, WEEK, WEEK + timedelta(days=7), MANAGER_AUDIENCE)
    dm_text = "\n".join(str(m) for m in digest_messages(content, dm))
    assert "Only for my manager" in dm_text and "For the team" in dm_text


def test_a_manager_nobody_named_gets_no_content_about_anyone(session: Session, content: Content) -> None:
    workspace_id, [ana] = team(session, 1, manager="USOMEONE_ELSE")
    win(session, content, ana, "Shared with someone else", Visibility.TEAM_CHANNEL)
    text = digest_text(session, content, workspace_id, manager=MANAGER)
    assert "Shared with someone else" not in text and "Person 0" not in text
    assert "Nobody has named you" in text


def test_may_be_ready_needs_every_criterion_and_next_stage_evidence_over_months(
    session: Session, content: Content
) -> None:
    workspace_id, [ana] = team(session, 1, stage=1)
    keys = [c.key for c in content.stage(1).exit_criteria]
    next_key = content.stage(2).exit_criteria[0].key
    win(session, content, ana, "All of it", Visibility.TEAM_CHANNEL, evidence_keys=[*keys, next_key])
    # Every criterion has evidence, but all of it (next-stage work too) in one month: not yet (issue 15).
    assert "may be ready" not in digest_text(session, content, workspace_id, audience=MANAGER_AUDIENCE)
    win(
        session,
        content,
        ana,
        "Next-stage work",
        Visibility.TEAM_CHANNEL,
        evidence_keys=[next_key],
        at=WEEK - timedelta(days=40),
    )
    assert "may be ready" not in digest_text(session, content, workspace_id, audience=MANAGER_AUDIENCE)
    win(
        session,
        content,
        ana,
        "More of it",
        Visibility.TEAM_CHANNEL,
        evidence_keys=[next_key],
        at=WEEK - timedelta(days=100),
    )
    assert "may be ready for *Stage 2: Feature Owner*" in digest_text(
        session, content, workspace_id, audience=MANAGER_AUDIENCE
    )
    # Readiness is the manager's to read, never the channel's.
    assert "may be ready" not in digest_text(session, content, workspace_id)


def test_private_evidence_does_not_count_towards_the_bars(session: Session, content: Content) -> None:
    workspace_id, [ana] = team(session, 1, stage=1)
    keys = [c.key for c in content.stage(1).exit_criteria]
    win(session, content, ana, "Private proof", Visibility.PRIVATE, evidence_keys=keys)
    win(session, content, ana, "Shared, no evidence", Visibility.TEAM_CHANNEL)
    text = digest_text(session, content, workspace_id, audience=MANAGER_AUDIENCE)
    assert f"0/{len(keys)} criteria" in text
    assert "may be ready" not in text


def test_stuck_signals_are_team_aggregates(session: Session, content: Content) -> None:
    workspace_id, members = team(session, 3)
    for index, member in enumerate(members):
        session.add(
            StuckSession(
                member_id=member.id,
                started_at=WEEK + timedelta(hours=index + 1),
                nudge_due_at=WEEK + timedelta(hours=index + 2),
                asked_for_help_at=WEEK + timedelta(hours=index + 1, minutes=10) if index else None,
                status="resolved",
            )
        )
    session.flush()
    # Nobody chose to tell a channel they were stuck: only the manager's own digest shows the aggregate.
    assert "stuck timer" not in digest_text(session, content, workspace_id)
    dm = build_team_digest(session, content, workspace_id, MANAGER, WEEK, WEEK + timedelta(days=7), MANAGER_AUDIENCE)
    dm_text = "\n".join(str(m) for m in digest_messages(content, dm))
    assert "3 stuck timers started, 2 asked for help, 0 still open" in dm_text


def test_a_large_team_splits_across_messages_within_limits(session: Session, content: Content) -> None:
    workspace_id, members = team(session, 120)
    for member in members:
        win(session, content, member, f"win by {member.display_name} " + "x" * 250, Visibility.TEAM_CHANNEL)
    digest = build_team_digest(session, content, workspace_id, MANAGER, WEEK, WEEK + timedelta(days=7))
    messages = digest_messages(content, digest)
    assert len(messages) >= 3
    for payload in messages:
        assert message_problems(payload) == []
    text = "\n".join(str(m) for m in messages)
    assert all(f"win by Person {index} " in text for index in range(120))


def test_a_line_break_in_a_win_cannot_fake_a_report_heading(session: Session, content: Content) -> None:
    workspace_id, [ana, _bob] = team(session, 2)
    # Typed to look like the next report's heading (the digest's "*Name* · Stage" line) after a break.
    win(
        session,
        content,
        ana,
        "Fixed the build\n*Person 1* · Staff engineer\u2028*Person 7* · Stage 5",
        Visibility.TEAM_CHANNEL,
    )
    digest = build_team_digest(session, content, workspace_id, MANAGER, WEEK, WEEK + timedelta(days=7))
    lines = [
        line
        for payload in digest_messages(content, digest)
        for block in payload["blocks"]
        for line in str((block.get("text") or {}).get("text", "")).splitlines()
    ]
    headings = [line for line in lines if line.startswith("*Person")]
    assert headings == ["*Person 0*"]
    assert any(line.startswith("• Fixed the build *Person 1* · Staff engineer *Person 7*") for line in lines)

"""Growth figures on the database under test: the team's grouped counts agree with a member's own count,
month boundaries follow the manager's timezone, and deleting someone's data reaches the review conversation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import EntrySource, Member, ReviewConversation, ReviewRating, Visibility, Workspace
from bot.services import brag
from bot.services.account import delete_all_data
from bot.services.growth import load_wins, readiness, team_figures
from bot.services.progress import evidence_counts, stage_progress
from content import Content, load_signal_rules

NOW = datetime(2026, 11, 30, 15, tzinfo=UTC)
TEXTS = [
    "decided the system architecture for billing",
    "proposed a cross-team initiative for retries",
    "decided when to ship the checkout",
    "learned to balance speed and quality",
    "shipped a fix",
]


def _team(session: Session, content: Content, rng: random.Random) -> dict[int, int]:
    workspace = Workspace(team_id="T0001", created_at=NOW)
    session.add(workspace)
    session.flush()
    keys = [c.key for s in content.stages for c in s.exit_criteria] + [t.key for t in content.growth.tactics]
    stages = {}
    for index in range(6):
        member = Member(
            workspace_id=workspace.id,
            slack_user_id=f"U{index:04d}",
            stage=1 + index % 5,
            manager_slack_user_id="UMGR",
            enrolled_at=NOW,
            last_seen_at=NOW,
        )
        session.add(member)
        session.flush()
        stages[member.id] = member.stage or 0
        for _ in range(40):
            brag.create_entry(
                session,
                content,
                member,
                brag.WinInput(
                    rng.choice(TEXTS),
                    evidence_keys=rng.sample(keys, rng.randint(0, 2)),
                    visibility=rng.choice([Visibility.MANAGER, Visibility.PRIVATE]),
                    # Half the signals picked by the person, half guessed from the text (those count for nothing).
                    growth_signal=rng.choice([brag.KEEP, brag.SUGGEST, "decided", "proposed", "learned", None]),
                ),
                now=NOW - timedelta(hours=rng.randint(0, 24 * 240)),
                source=EntrySource.COMMAND,
            )
    return stages


def test_team_figures_agree_with_each_members_own_readiness(session: Session, content: Content) -> None:
    rules = load_signal_rules()
    stages = _team(session, content, random.Random(15))
    for tz in (ZoneInfo("UTC"), ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles")):
        figures = team_figures(session, content, rules, stages, tz, NOW, 6)
        counts = evidence_counts(session, list(stages), shared_only=True)
        wins = load_wins(session, list(stages), shared_only=True)
        for member_id, stage in stages.items():
            progress = stage_progress(content, stage, counts[member_id])
            own = readiness(content, rules, progress, wins[member_id], tz, NOW, months=3, window=6)
            team = figures.readiness_of(content, member_id, progress, 3)
            assert [m.count > 0 for m in team.months] == [m.count > 0 for m in own.months], (tz, member_id)
            assert team.may_be_ready == own.may_be_ready
            trend = [m.count for m in figures.trend_of(member_id)]
            expected = [0] * 6
            calendar = [m.month for m in own.months]
            for win in wins[member_id]:
                local = win.created_at.astimezone(tz)
                month = date(local.year, local.month, 1)
                if month in calendar and (win.evidence_keys or (win.signal and win.signal_chosen)):
                    expected[calendar.index(month)] += 1
            assert trend == expected, (tz, member_id)


def test_deleting_a_manager_removes_their_ratings_and_the_invitation(session: Session, content: Content) -> None:
    workspace = Workspace(team_id="T0001", created_at=NOW)
    session.add(workspace)
    session.flush()
    report = Member(
        workspace_id=workspace.id,
        slack_user_id="U0001",
        stage=2,
        manager_slack_user_id="UMGR",
        enrolled_at=NOW,
        last_seen_at=NOW,
    )
    manager = Member(workspace_id=workspace.id, slack_user_id="UMGR", enrolled_at=NOW, last_seen_at=NOW)
    session.add_all([report, manager])
    session.flush()
    conversation = ReviewConversation(
        member_id=report.id,
        review_date=date(2026, 12, 14),
        stage=2,
        invited_manager_id="UMGR",
        invited_at=NOW,
        created_at=NOW,
    )
    key = content.stage(2).exit_criteria[0].key
    conversation.ratings = [
        ReviewRating(rater="self", criterion_key=key, level=2),
        ReviewRating(rater="manager", criterion_key=key, level=0),
    ]
    session.add(conversation)
    session.flush()
    delete_all_data(session, "UMGR", "T0001")
    kept = session.scalars(select(ReviewConversation)).one()
    assert kept.invited_manager_id is None
    assert [(r.rater, r.level) for r in kept.ratings] == [("self", 2)]
    delete_all_data(session, "U0001", "T0001")
    assert session.scalars(select(ReviewConversation)).all() == []
    assert session.scalars(select(ReviewRating)).all() == []

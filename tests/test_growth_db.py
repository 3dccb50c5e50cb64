"""Growth figures on the database under test: readiness counts distinct months within the window, the team's
grouped counts agree with the roadmap's rule written out plainly (and with each member's own count), month
boundaries follow the manager's timezone, and deleting someone's data reaches the review conversation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.models import (
    BragEntry,
    EntrySource,
    GrowthSignal,
    Member,
    ReviewConversation,
    ReviewRating,
    Visibility,
    Workspace,
)
from bot.services import brag
from bot.services.account import delete_all_data
from bot.services.growth_wins import GrowthWin, load_wins
from bot.services.items import matcher_for
from bot.services.progress import SHARED_WITH_MANAGER, StageProgress, evidence_counts, stage_progress
from bot.services.readiness import Readiness, member_readiness, team_figures
from content import Content, SignalRules, load_signal_rules

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


def _next_stage_months(
    content: Content, rules: SignalRules, stage: int, wins: list[GrowthWin], calendar: list[date], tz: ZoneInfo
) -> list[bool]:
    """The roadmap's rule written out plainly, one win at a time, to check the grouped SQL against: a win is
    next-stage evidence when it is evidence for one of the next stage's exit criteria, or a decided /
    proposed the person picked that matches one of the next stage's items."""
    following = content.next_stage(stage)
    months = [False] * len(calendar)
    if following is None:
        return months
    criteria = {criterion.key for criterion in following.exit_criteria}
    matcher = matcher_for(content, rules)
    for win in wins:
        local = win.created_at.astimezone(tz)
        month = date(local.year, local.month, 1)
        if month not in calendar or win.created_at > NOW:
            continue
        item = (
            matcher.match(content, stage, win.signal, win.what)
            if win.signal_chosen and win.signal in (GrowthSignal.DECIDED, GrowthSignal.PROPOSED)
            else None
        )
        if criteria & set(win.evidence_keys) or (item is not None and item.stage == following.number):
            months[calendar.index(month)] = True
    return months


def test_readiness_counts_distinct_months_within_the_window(session: Session, content: Content) -> None:
    rules = load_signal_rules()
    workspace = Workspace(team_id="T0001", created_at=NOW)
    session.add(workspace)
    session.flush()
    ahead = content.stage(3).exit_criteria[0].key
    own_stage = content.stage(2).exit_criteria[0].key
    progress = stage_progress(content, 2, {c.key: 1 for c in content.stage(2).exit_criteria})
    members: list[int] = []

    def member_with(months: list[int], key: str) -> int:
        member = Member(
            workspace_id=workspace.id, slack_user_id=f"U{len(members):04d}", stage=2, enrolled_at=NOW, last_seen_at=NOW
        )
        session.add(member)
        session.flush()
        members.append(member.id)
        for month in months:
            brag.create_entry(
                session,
                content,
                member,
                brag.WinInput("work", evidence_keys=[key], visibility=Visibility.MANAGER),
                now=datetime(2026, month, 10, tzinfo=UTC),
                source=EntrySource.COMMAND,
            )
        return member.id

    def check(member_id: int, months: int, window: int, shown: StageProgress = progress) -> Readiness:
        tz = ZoneInfo("UTC")
        return member_readiness(session, content, rules, member_id, shown, tz, NOW, months=months, window=window)

    one_month, spread, with_may, own_only = (
        member_with([11, 11, 11], ahead),
        member_with([7, 9, 11], ahead),
        member_with([5, 9, 11], ahead),
        member_with([7, 9, 11], own_stage),
    )
    assert not check(one_month, months=3, window=6).may_be_ready
    assert check(spread, months=3, window=6).may_be_ready
    assert not check(with_may, months=3, window=6).may_be_ready  # May is outside Jun..Nov
    assert check(with_may, months=3, window=7).may_be_ready
    assert check(spread, months=2, window=6).may_be_ready
    assert not check(own_only, months=3, window=6).may_be_ready
    result = check(spread, months=3, window=6, shown=stage_progress(content, 2, {}))
    assert not result.may_be_ready and len(result.missing_criteria) == len(content.stage(2).exit_criteria)
    private = member_with([7, 9, 11], ahead)
    session.execute(update(BragEntry).where(BragEntry.member_id == private).values(visibility=Visibility.PRIVATE))
    assert check(private, months=3, window=6).may_be_ready  # one's own Home counts private wins
    shared_only = member_readiness(
        session,
        content,
        rules,
        private,
        progress,
        ZoneInfo("UTC"),
        NOW,
        months=3,
        window=6,
        visibilities=SHARED_WITH_MANAGER,
    )
    assert not shared_only.may_be_ready


def test_team_figures_agree_with_each_members_own_readiness(session: Session, content: Content) -> None:
    rules = load_signal_rules()
    stages = _team(session, content, random.Random(15))
    for tz in (ZoneInfo("UTC"), ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles")):
        figures = team_figures(session, content, rules, stages, tz, NOW, 6)
        counts = evidence_counts(session, list(stages), shared_only=True)
        wins = load_wins(session, list(stages), shared_only=True)
        for member_id, stage in stages.items():
            progress = stage_progress(content, stage, counts[member_id])
            own = member_readiness(
                session,
                content,
                rules,
                member_id,
                progress,
                tz,
                NOW,
                months=3,
                window=6,
                visibilities=SHARED_WITH_MANAGER,
            )
            team = figures.readiness_of(content, member_id, progress, 3)
            calendar = [m.month for m in own.months]
            expected_months = _next_stage_months(content, rules, stage, wins[member_id], calendar, tz)
            assert [m.count > 0 for m in team.months] == expected_months, (tz, member_id)
            assert [m.count > 0 for m in own.months] == expected_months, (tz, member_id)
            assert team.may_be_ready == own.may_be_ready
            trend = [m.count for m in figures.trend_of(member_id)]
            expected = [0] * 6
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

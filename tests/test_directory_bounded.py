"""The users.list pass across many workspaces (issue 25): a tick's calls and time are bounded, workspaces
are read side by side, the longest waiting first, and a 429 is never slept through in the tick."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Workspace
from bot.tick.directory import refresh_profiles
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import utc
from tests.test_nudges_scale import TeamTokens, enroll_team

NINE = utc(2026, 11, 20, 9, 0)


def passes_done(db: Database) -> dict[str, bool]:
    with db.transaction() as session:
        rows = session.execute(select(Workspace.team_id, Workspace.profile_pass_done_at))
        return {team: done is not None for team, done in rows}


def test_a_tick_reads_at_most_its_calls_and_the_rest_wait_their_turn(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    teams = [f"TDIR{index:02d}" for index in range(12)]
    for team in teams:
        enroll_team(db, team, 1)
    fake_slack.users["U1"] = {"tz": "Europe/London"}
    fake_slack.delays["users.list"] = 0.2
    started = time.monotonic()
    assert refresh_profiles(deps, TeamTokens(), NINE, max_calls=5, workers=8) == 5
    assert time.monotonic() - started < 0.9  # five 200 ms calls side by side, not one after another
    assert sum(passes_done(db).values()) == 5
    # The next minute reads five others (the longest waiting), then the last two.
    assert refresh_profiles(deps, TeamTokens(), utc(2026, 11, 20, 9, 1), max_calls=5) == 5
    assert sum(passes_done(db).values()) == 10
    assert refresh_profiles(deps, TeamTokens(), utc(2026, 11, 20, 9, 2), max_calls=5) == 2
    assert all(passes_done(db).values())
    assert len(fake_slack.calls_to("users.list")) == 12  # each workspace read once


def test_a_tick_stops_reading_at_its_time_budget(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    for index in range(6):
        enroll_team(db, f"TSLOW{index}", 1)
    fake_slack.delays["users.list"] = 0.3
    started = time.monotonic()
    pages = refresh_profiles(deps, TeamTokens(), NINE, budget_seconds=0.5, workers=1)
    assert time.monotonic() - started < 1.5  # the budget, plus the call under way when it ran out
    assert 1 <= pages <= 2  # 0 s and 0.3 s started in the budget; 0.6 s did not (one, on a slow machine)
    assert refresh_profiles(deps, TeamTokens(), utc(2026, 11, 20, 9, 1), workers=1) == 6 - pages  # the rest


def test_a_rate_limited_workspace_is_not_slept_through_and_resumes_next_minute(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    enroll_team(db, "TLIMITED", 1)
    enroll_team(db, "TFINE", 1)
    fake_slack.throttle_team("TLIMITED", retry_after=10)
    started = time.monotonic()
    # slack_sdk's default handler slept through Retry-After five times (50 s) in the tick's thread.
    assert refresh_profiles(deps, TeamTokens(), NINE) == 1
    assert time.monotonic() - started < 2
    assert fake_slack.rate_limited["TLIMITED"] == 1
    assert passes_done(db) == {"TLIMITED": False, "TFINE": True}
    fake_slack.throttle_team("TLIMITED", None)
    assert refresh_profiles(deps, TeamTokens(), utc(2026, 11, 20, 9, 1)) == 1
    assert passes_done(db) == {"TLIMITED": True, "TFINE": True}

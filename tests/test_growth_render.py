"""One App Home and one manager Home for a member with six months of history, rendered to plain text.

Set ``STAGECOACH_RENDER_TO=/path/file.txt`` to keep the rendering (the closing report of issue 15 uses it).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.blocks.limits import view_problems
from bot.db.models import EntrySource, Member, Visibility
from bot.services import brag
from bot.services.signals import suggest_signal
from bot.slack.registrar import drain
from content import load_signal_rules
from tests.support.bots import RunningBot
from tests.support.brag import open_home, team_details
from tests.support.render_text import render_view

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
# (days before NOW, what, evidence keys, shared) — six months of a Stage 2 engineer's wins.
HISTORY: list[tuple[int, str, list[str], bool]] = [
    (170, "Learned how our payments service retries across queues", [], False),
    (160, "Owned the saved-carts feature from design to production", ["s2-own-features-end-to-end"], True),
    (140, "Proposed refactoring the checkout module into smaller services", [], True),
    (130, "Learned to debug cross-system issues with distributed tracing", [], False),
    (120, "Debugged the cross-service timeout between cart and inventory", ["s2-debug-across-systems"], True),
    (100, "Paired with Jo on her first API endpoint and reviewed her PRs", ["s2-begin-mentoring"], False),
    (95, "Proposed a cross-team initiative to share the retry library", [], True),
    (80, "Decided the system architecture for the new billing exports", ["s3-own-system-architecture"], True),
    (62, "Chose the HTTP client library for the importer", ["s2-sound-decisions-independently"], True),
    (45, "Suggested a new search index after reading the latency data", ["s2-influence-product"], True),
    (30, "Led the cross-team rollout of the new auth flow", ["s3-lead-cross-team-initiatives"], True),
    (12, "Decided to use a feature flag for the pricing launch", ["s2-move-business-metrics"], True),
    (3, "Shipped the pricing experiment: +4% conversion", ["s2-move-business-metrics"], False),
]


def seed(bot: RunningBot) -> None:
    for user in ("U0001", "UMGR"):
        bot.slack.command("/stage", "", user=user)
        bot.slack.responses()
    assert drain()
    with bot.db.transaction() as session:
        ana = session.scalars(select(Member).where(Member.slack_user_id == "U0001")).one()
        ana.stage, ana.display_name, ana.manager_slack_user_id = 2, "Ana", "UMGR"
        ana.timezone, ana.timezone_from_slack = "UTC", False
        manager = session.scalars(select(Member).where(Member.slack_user_id == "UMGR")).one()
        manager.timezone, manager.timezone_from_slack = "UTC", False
        for days, what, keys, shared in HISTORY:
            # Ana picked each win's decided / proposed / learned herself (only a chosen one counts ahead).
            signal = suggest_signal(load_signal_rules(), what)
            brag.create_entry(
                session,
                bot.deps.content,
                ana,
                brag.WinInput(
                    what,
                    evidence_keys=keys,
                    visibility=Visibility.MANAGER if shared else Visibility.PRIVATE,
                    growth_signal=signal.value if signal is not None else None,
                ),
                now=NOW - timedelta(days=days),
                source=EntrySource.COMMAND,
            )


def test_six_months_of_history_render_on_both_homes(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    seed(bot)
    own = open_home(bot, "U0001")
    team = team_details(bot, "UMGR")  # the manager's Home row per report; the months in "Team details"
    assert view_problems(own) == [] and view_problems(team) == []
    own_text, team_text = render_view(own), render_view(team)
    assert "You may be ready for Stage 3: System Owner" in own_text
    assert "Decided the system architecture" in own_text
    assert "Already at the next stage: you decide System architecture" in own_text
    assert "`Learning   ` ▰▱▱▱▱ 1/5: Debug complex cross-system issues" in own_text
    # The manager counts shared wins only: the mentoring win is private, so that criterion is open for them.
    assert "Not yet ready for Stage 3: System Owner" in team_text
    assert "Exit criteria without evidence: Begin mentoring junior engineers" in team_text
    assert "Paired with Jo" not in team_text and "+4% conversion" not in team_text  # private wins
    assert "Bi-weekly 1:1s" in team_text
    target = os.environ.get("STAGECOACH_RENDER_TO")
    if target:
        Path(target).write_text(
            "=== App Home: Ana (Stage 2), six months of history, rendered "
            + NOW.isoformat()
            + " ===\n\n"
            + own_text
            + "\n\n=== Manager Home: Ana's manager (UMGR) ===\n\n"
            + team_text,
            encoding="utf-8",
        )

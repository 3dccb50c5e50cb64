"""What an engineer and a manager of eight actually see (issue #22): a journey over signed HTTP and ticks.

Every surface the journey meets is measured (tests/support/surfaces.py) and held to a budget: characters
before the fold, buttons, blocks, a fallback ``text`` that reads as a push notification. The normal week
after setting up counts the DMs nobody asked for: at most 2 for an engineer, 3 for a manager of eight.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import ids
from bot.db.models import Visibility
from bot.slack.registrar import drain
from tests.support.bots import RunningBot, update_member
from tests.support.brag import coach, open_home, quick_win
from tests.support.driver import block_texts
from tests.support.nudges import dms, tick
from tests.support.surfaces import FOLD_CHARS, MAX_CARD_BUTTONS, Surface, fallback_problems, measure, table
from tests.test_manager_digest_e2e import add_win

NY = ZoneInfo("America/New_York")
ENGINEER = "U0001"
MANAGER = "UMGR"
REPORTS = [ENGINEER, *(f"U00{n:02d}" for n in range(2, 9))]  # eight reports
NAMES = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal"]
TEAM_CHANNEL = "C0TEAM"
WEEK_START = datetime(2026, 11, 23, 0, 0, tzinfo=NY)  # a Monday: the normal week after setting up
REVIEW = date(2026, 12, 21)  # a Monday
DIGEST_OPENING_CHARS = 400
"""The manager's DM digest: header, who it is for, the week's count, who shared nothing, where details are."""
DIGEST_REPORT_CHARS = 200
"""Per report who shared: name, stage and progress in a line, a short win, a 1:1 idea (was ~600 with the
trend and the manager's part, which moved to Home's Team details)."""


def answer(bot: RunningBot) -> dict[str, Any]:
    [response] = bot.slack.responses()
    return response


@pytest.mark.slow(seconds=20)
def test_an_engineer_and_a_manager_of_eight_over_a_week(bot: RunningBot) -> None:
    seen: list[Surface] = []

    def look(name: str, payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(measure(name, payload))
        return payload

    # -- the engineer: her stage, a win, Home ----------------------------------------------------
    bot.slack.command("/stage", "2", user=ENGINEER)
    look("/stage 2", answer(bot))
    bot.slack.command("/stage", "tracks", user=ENGINEER)
    look("/stage tracks", answer(bot))
    bot.slack.click(ids.STAGE_SET_MINE, "2", user=ENGINEER)
    look("Set as my stage (confirmation)", answer(bot))
    bot.slack.command("/stage", user=ENGINEER)
    look("/stage (own stage)", answer(bot))
    card = look("/win card", quick_win(bot, "Shipped the retry fix for checkout, cut payment errors by 40%"))
    look("Home (engineer, day one)", open_home(bot, ENGINEER))

    # -- eight reports name their manager; she sets up the team channel --------------------------
    for user, name in zip(REPORTS, NAMES, strict=True):
        coach(bot, f"manager <@{MANAGER}|maria>", user=user)
        update_member(bot, user, display_name=name, timezone="America/New_York", timezone_from_slack=False)
    coach(bot, f"digest <#{TEAM_CHANNEL}|team>", user=MANAGER)
    update_member(bot, MANAGER, display_name="Maria", timezone="America/New_York", timezone_from_slack=False)
    for user, stage in zip(REPORTS[1:], [1, 2, 2, 3, 1, 2, 3], strict=True):
        update_member(bot, user, stage=stage)
    in_the_week = WEEK_START - timedelta(days=3)
    add_win(bot, "U0002", "Paired with Cleo on the flaky checkout test", Visibility.TEAM_CHANNEL, in_the_week)
    add_win(bot, "U0003", "Wrote the on-call runbook for payments", Visibility.TEAM_CHANNEL, in_the_week)
    add_win(bot, "U0004", "Asked for help early on the cache bug", Visibility.MANAGER, in_the_week)
    assert drain()
    look("Home (manager of eight)", open_home(bot, MANAGER))
    # The eight namings reach her as one DM at 09:00 the next morning (issue 22: it was eight DMs).
    tick(bot.deps, datetime(2026, 11, 19, 9, 0, tzinfo=NY))
    [named] = [posted for posted in dms(bot.fake, MANAGER) if "named you" in posted["text"]]
    assert "8 people named you as their manager" in look("manager DM: named by eight", named)["text"]
    options = [o["text"]["text"] for b in named["blocks"] for e in b.get("elements", []) for o in e.get("options", [])]
    assert options == [f"Don't message me about {name}" for name in NAMES]

    # -- the normal week: every hour ticked, the DMs nobody asked for counted ---------------------
    bot.fake.reset()
    at = WEEK_START
    while at < WEEK_START + timedelta(days=7):
        tick(bot.deps, at.astimezone(NY))
        at += timedelta(hours=1)
    engineer_dms, manager_dms = dms(bot.fake, ENGINEER), dms(bot.fake, MANAGER)
    channel = dms(bot.fake, TEAM_CHANNEL)
    # Her Home at the digest's minute counts the same seven days the same way.
    bot.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=NY))
    monday_home = look("Home (manager, Monday 09:00)", open_home(bot, MANAGER))
    for index, posted in enumerate(channel, 1):
        look(f"channel digest ({index}/{len(channel)})", posted)
    for posted in manager_dms:
        look(f"manager DM: {posted['text'][:40]}", posted)
    for posted in engineer_dms:
        look(f"engineer DM: {posted['text'][:40]}", posted)

    # -- the review: reminders on working days before it --------------------------------------
    update_member(bot, ENGINEER, review_date=REVIEW)
    bot.fake.reset()
    at = datetime(2026, 12, 5, 0, 0, tzinfo=NY)
    while at < datetime(2026, 12, 22, 0, 0, tzinfo=NY):
        tick(bot.deps, at)
        at += timedelta(hours=1)
    review_dms = dms(bot.fake, ENGINEER)
    for posted in review_dms:
        look(f"review DM: {posted['text'][:40]}", posted)

    print("\n" + table(seen))
    print(f"engineer DMs in the normal week: {len(engineer_dms)}; manager DMs: {len(manager_dms)}")
    print(f"channel digest pages: {len(channel)}")
    print("fallbacks:\n" + "\n".join(f"{s.name}: {s.fallback!r} {fallback_problems(s.fallback)}" for s in seen))
    print("review DMs:", [(p["text"][:60]) for p in review_dms])
    if os.environ.get("SURFACES_MEASURE_ONLY"):
        return

    # Messages say one thing: about 700 characters before any "More", at most 4 buttons, a plain fallback.
    for surface in seen:
        if surface.name.startswith(("Home", "channel digest", "manager DM: Team digest")):
            continue
        assert surface.chars <= FOLD_CHARS, surface
        assert surface.buttons <= MAX_CARD_BUTTONS, surface
        assert surface.blocks <= 8, surface
    for surface in seen:
        if not surface.name.startswith("Home"):
            assert fallback_problems(surface.fallback) == [], surface
    # The manager's DM digest: an opening and a short block per report who shared (3 here), no walls.
    [digest_dm] = [x for x in seen if x.name.startswith("manager DM: Team digest")]
    assert digest_dm.chars <= DIGEST_OPENING_CHARS + 3 * DIGEST_REPORT_CHARS, digest_dm
    # The win card is a receipt: who can see it, at most one "Looks like" line, the rest in a menu.
    assert "Only you can see it" in block_texts(card) and block_texts(card).count("Looks like:") <= 1

    # Home leads with what is next; the manager's with her team, a row per report, her own growth below.
    engineer_home = next(s for s in seen if s.name == "Home (engineer, day one)")
    assert engineer_home.blocks <= 20
    texts = [block_texts({"blocks": [b]}) for b in monday_home["blocks"]]
    assert "This week:" in texts[1] and texts.index("Your team") < texts.index("Your own growth")
    rows = next(t for t in texts if "*Ben* ·" in t)
    # The three who shared with her, one compact row each: stage, shared this week, a 1:1 topic.
    assert rows.count("• *") == 3 and "*Ben* · Stage 1 · 0/6 criteria · 1 shared this week · 1:1:" in rows

    # One story counted one way: the DM digest, the channel digest and Home agree.
    [private] = [p for p in manager_dms if p["text"].startswith("Team digest")]
    assert "*8 reports* · 3 shared wins this week" in block_texts(private)
    assert "5 reports shared nothing with you this week" in block_texts(private)
    assert "3 of 8 shared something with you in the last 7 days" in block_texts(monday_home)
    [celebration] = channel
    shown = block_texts(celebration)
    assert "2 wins from 2 people" in shown and "*Ben*" in shown and "*Cleo*" in shown
    for coaching in ("exit criteria", "1:1", "Your part", "shared nothing", "Stage "):
        assert coaching not in shown

    # The notification budget of a normal week: DMs nobody asked for.
    assert len(engineer_dms) <= 2, [p["text"] for p in engineer_dms]
    assert len(manager_dms) <= 3, [p["text"] for p in manager_dms]
    assert not any(p["text"].startswith("Weekly wins check-in") for p in manager_dms)  # she never asked

    # Reminders on working days before the review, worded from their day; the packet carries the rating ask.
    packets = [p for p in review_dms if "here is your packet" in p["text"]]
    assert [p["text"] for p in packets] == [
        "Your review is on Monday 21 December (in 14 days): here is your packet",
        "Your review is on Monday 21 December (in 3 days): here is your packet",  # Friday, not Saturday
    ]
    assert "Rate my exit criteria" in str(packets[0]) and not any("how consistently" in p["text"] for p in review_dms)

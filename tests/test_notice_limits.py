"""Messages to other people are limited: one per recipient, actor and kind a day, and the actor is told (issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.slack.registrar import drain
from tests.support.bots import RunningBot
from tests.support.brag import coach, set_stage
from tests.support.nudges import dms, tick

MONDAY = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


def test_flipping_the_manager_30_times_sends_each_person_one_notice_a_day(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    for flip in range(30):
        coach(bot, f"manager <@{'UMGRV' if flip % 2 == 0 else 'UMGRW'}>", user="U0001")
    assert drain()
    assert len(dms(bot.fake, "UMGRV")) == 1
    assert len(dms(bot.fake, "UMGRW")) == 1
    # The actor hears why V was not told again.
    bot.slack.command("/coach", "manager <@UMGRV>", user="U0001", response_name="held")
    answers = bot.slack.responses("held", count=2)
    assert "already messaged <@UMGRV>" in str(answers)
    # Another day, another notice.
    bot.clock.set(MONDAY + timedelta(days=1))
    coach(bot, "manager <@UMGRW>", user="U0001")
    assert drain()
    assert len(dms(bot.fake, "UMGRW")) == 2


def test_naming_the_digest_channel_30_times_announces_once(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    coach(bot, "manager <@UMGR>", user="U0001")
    coach(bot, "manager <@UMGR>", user="U0002")
    for _ in range(30):
        coach(bot, "digest <#C0GENERAL|general>", user="UMGR")
    assert drain()
    assert len(dms(bot.fake, "C0GENERAL")) == 1
    # Flipping between two channels: each announced once, each report told once today.
    for flip in range(10):
        coach(bot, f"digest <#{'C0TEAMA' if flip % 2 == 0 else 'C0TEAMB'}|team>", user="UMGR")
    assert drain()
    assert len(dms(bot.fake, "C0TEAMA")) == 1
    assert len(dms(bot.fake, "C0TEAMB")) == 1
    assert len(dms(bot.fake, "U0001")) == 1
    assert len(dms(bot.fake, "U0002")) == 1


def test_flipping_the_stage_sends_the_manager_one_note_a_day(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    coach(bot, "manager <@UMGR>", user="U0001")
    for minute in range(8):
        bot.clock.set(MONDAY + timedelta(minutes=minute))
        set_stage(bot, 1 if minute % 2 == 0 else 2, user="U0001")
        assert drain()
        tick(bot.deps, MONDAY + timedelta(minutes=minute, seconds=30))
    notes = [p for p in dms(bot.fake, "UMGR") if "set their stage" in str(p.get("text"))]
    assert len(notes) == 1
    # The next day's change is told again.
    bot.clock.set(MONDAY + timedelta(days=1))
    set_stage(bot, 3, user="U0001")
    assert drain()
    tick(bot.deps, MONDAY + timedelta(days=1, minutes=1))
    notes = [p for p in dms(bot.fake, "UMGR") if "set their stage" in str(p.get("text"))]
    assert len(notes) == 2

"""One message a day to a manager for everyone who named them (issues 22 and 24): signed HTTP, then ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import ids
from bot.slack.registrar import drain
from tests.support.bots import RunningBot, update_member
from tests.support.brag import buttons, coach
from tests.support.driver import block_texts
from tests.support.nudges import dms, tick
from tests.support.surfaces import MAX_CARD_BUTTONS, fallback_problems, measure

MONDAY = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
"""09:00 the day after MONDAY for a manager who is not a member (their day is UTC)."""
REPORTS = [f"U000{index}" for index in range(1, 6)]


def name_manager(bot: RunningBot, user: str, manager: str) -> str:
    """``/coach manager @manager`` as ``user``: the text of both answers (the link, then the notice)."""
    assert bot.slack.command("/coach", f"manager <@{manager}>", user=user).status == 200
    return " ".join(block_texts(answer) for answer in bot.slack.responses(count=2))


def overflow_values(payload: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for block in payload.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("type") == "overflow":
                assert element["action_id"] == ids.NOTICE_MUTE
                found.extend(option["value"] for option in element["options"])
    return found


def test_five_reports_naming_a_manager_in_a_day_make_one_message_the_next_morning(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    for report in REPORTS:
        told = name_manager(bot, report, "UMGR")
        assert "I'll let <@UMGR> know tomorrow morning" in told
    assert drain()
    assert dms(bot.fake, "UMGR") == []  # nothing at once
    tick(bot.deps, TUESDAY_9 - timedelta(minutes=1))
    assert dms(bot.fake, "UMGR") == []
    tick(bot.deps, TUESDAY_9)
    [notice] = dms(bot.fake, "UMGR")
    assert "5 people named you as their manager" in notice["text"]
    shown = block_texts(notice)
    assert all(f"<@{report}>" in shown for report in REPORTS)
    # Five reports: more than 4 buttons would be, so the mutes are in overflow menus, one option each.
    surface = measure("manager named", notice)
    assert surface.buttons <= MAX_CARD_BUTTONS and fallback_problems(surface.fallback) == []
    assert overflow_values(notice) == REPORTS
    # The same day's ticks (another replica, a restart) send nothing more.
    tick(bot.deps, TUESDAY_9)
    tick(bot.deps, TUESDAY_9 + timedelta(minutes=1))
    assert len(dms(bot.fake, "UMGR")) == 1
    # A report named the next day is in the next day's message, alone.
    bot.clock.set(MONDAY + timedelta(days=1))
    assert "tomorrow morning" in name_manager(bot, "U0009", "UMGR")
    tick(bot.deps, TUESDAY_9 + timedelta(hours=12))
    assert len(dms(bot.fake, "UMGR")) == 1
    tick(bot.deps, TUESDAY_9 + timedelta(days=1))
    later = dms(bot.fake, "UMGR")[1]
    assert "<@U0009> named you as their manager" in later["text"]
    assert [b["value"] for b in buttons(later) if b["action_id"] == ids.NOTICE_MUTE] == ["U0009"]
    assert fallback_problems(later["text"]) == []


def test_muted_and_unnamed_reports_are_left_out(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    name_manager(bot, "U0002", "UMGR")
    tick(bot.deps, TUESDAY_9)
    [first] = dms(bot.fake, "UMGR")
    [mute] = [b for b in buttons(first) if b["action_id"] == ids.NOTICE_MUTE]
    bot.slack.click(ids.NOTICE_MUTE, mute["value"], user="UMGR", response_name="muted")
    assert "won't message you again because of what <@U0002> does" in str(bot.slack.responses("muted"))
    # Clicking enrolled UMGR: from now on their own zone (UTC here) and working hours apply.
    update_member(bot, "UMGR", timezone="UTC", timezone_from_slack=False)
    # The next day three name UMGR: U0002 is muted (and told so), U0003 names someone else again.
    bot.clock.set(MONDAY + timedelta(days=1))
    coach(bot, "manager <@UOTHER>", user="U0002")
    assert "asked me not to message them about you" in name_manager(bot, "U0002", "UMGR")
    assert "tomorrow morning" in name_manager(bot, "U0001", "UMGR")
    assert "tomorrow morning" in name_manager(bot, "U0003", "UMGR")
    coach(bot, "manager <@UOTHER>", user="U0003")
    tick(bot.deps, TUESDAY_9 + timedelta(days=1))
    [_, second] = dms(bot.fake, "UMGR")
    assert "<@U0001> named you as their manager" in second["text"]
    assert "U0002" not in str(second) and "U0003" not in str(second)
    # A mute from the overflow menu (more than 4 reports) mutes that report too.
    bot.slack.click(ids.NOTICE_MUTE, user="UMGR", selected="U0001", response_name="menu")
    assert "because of what <@U0001> does" in str(bot.slack.responses("menu"))
    bot.clock.set(MONDAY + timedelta(days=2))
    coach(bot, "manager <@UOTHER>", user="U0001")
    assert "asked me not to message them" in name_manager(bot, "U0001", "UMGR")


def test_a_manager_who_is_a_member_hears_at_nine_in_their_own_zone(bot: RunningBot) -> None:
    new_york = ZoneInfo("America/New_York")
    bot.clock.set(MONDAY)
    coach(bot, "manager", user="UMGR")  # enrolls the manager
    update_member(bot, "UMGR", timezone="America/New_York", timezone_from_slack=False)
    name_manager(bot, "U0001", "UMGR")
    name_manager(bot, "U0002", "UMGR")
    nine = datetime(2026, 11, 17, 9, 0, tzinfo=new_york)
    tick(bot.deps, TUESDAY_9)  # 04:00 in New York: not yet
    tick(bot.deps, nine - timedelta(minutes=1))
    assert dms(bot.fake, "UMGR") == []
    tick(bot.deps, nine)
    [notice] = dms(bot.fake, "UMGR")
    assert "2 people named you as their manager" in notice["text"]
    assert [b["value"] for b in buttons(notice)] == ["U0001", "U0002"]

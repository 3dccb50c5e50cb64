"""Audiences by name over signed HTTP: only me, my manager (a DM, never a channel), the team channel.

Each test drives the bot as Slack would (slash commands, the win modal, ticks) and reads what
reached the fake Web API: which conversation got which words.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import BragEntry, Visibility
from bot.slack.registrar import drain
from tests.support.bots import RunningBot, update_member
from tests.support.brag import coach, count, element, open_home, opened_view, win_values
from tests.support.driver import block_texts
from tests.support.nudges import dms, tick
from tests.support.waiting import eventually

LA = ZoneInfo("America/Los_Angeles")
MONDAY_0900_LA = datetime(2026, 11, 23, 9, 0, tzinfo=LA)
IN_THE_WEEK = MONDAY_0900_LA - timedelta(days=3)
MANAGER = "UMGR"


def open_win_modal(bot: RunningBot, user: str) -> dict[str, Any]:
    before = count(bot.fake, "views.open")
    assert bot.slack.command("/win", "", user=user).status == 200
    return opened_view(bot, before)


def choices(view: dict[str, Any]) -> dict[str, str]:
    """The visibility choices the modal offers: value -> the words shown."""
    options = element(view, ids.WIN_VISIBILITY_BLOCK)["options"]
    return {o["value"]: o["text"]["text"] + " / " + o.get("description", {}).get("text", "") for o in options}


def save_win(bot: RunningBot, user: str, what: str, visibility: str) -> dict[str, Any]:
    """Submit the win modal; the clock says when it was saved (inside the digest's week)."""
    view = {"callback_id": ids.WIN_MODAL, "private_metadata": json.dumps({"entry": None, "source": "modal"})}
    reply = bot.slack.submit_view(view, win_values(what=what, visibility=visibility), user=user)
    assert reply.status == 200, reply.body
    return reply.json() or {}


def posts(bot: RunningBot, conversation: str) -> str:
    return "\n".join(json.dumps(p) for p in dms(bot.fake, conversation))


def test_a_my_manager_win_never_reaches_a_channel(bot: RunningBot) -> None:
    coach(bot, f"manager <@{MANAGER}|maria>", user="U0001")
    coach(bot, f"manager <@{MANAGER}|maria>", user="U0002")
    update_member(bot, "U0001", display_name="Ana")
    update_member(bot, "U0002", display_name="Ben")

    # Before Maria has a digest channel, no channel is offered; the manager is named.
    offered = choices(open_win_modal(bot, "U0001"))
    assert set(offered) == {Visibility.PRIVATE.value, Visibility.MANAGER.value}
    assert f"<@{MANAGER}>" in offered[Visibility.MANAGER.value]
    assert "never in a channel" in offered[Visibility.MANAGER.value]

    coach(bot, "digest <#C0TEAM|team>", user=MANAGER)
    update_member(bot, MANAGER, timezone="America/Los_Angeles", timezone_from_slack=False)
    offered = choices(open_win_modal(bot, "U0001"))
    assert set(offered) == {v.value for v in Visibility}
    assert "<#C0TEAM>" in offered[Visibility.TEAM_CHANNEL.value]
    assert f"<@{MANAGER}>" in offered[Visibility.TEAM_CHANNEL.value]

    bot.clock.set(IN_THE_WEEK)
    saved = save_win(bot, "U0001", "renegotiated the vendor contract", Visibility.MANAGER.value)
    # The words after saving name who reads it, too.
    shown = block_texts(saved["view"])
    assert f"Shared with <@{MANAGER}> only" in shown and "Never posted in a channel" in shown
    saved = save_win(bot, "U0001", "ran the incident review", Visibility.TEAM_CHANNEL.value)
    assert "<#C0TEAM>" in block_texts(saved["view"])
    save_win(bot, "U0002", "kept this one to myself", Visibility.PRIVATE.value)
    assert drain()
    bot.fake.reset()

    tick(bot.deps, MONDAY_0900_LA)
    tick(bot.deps, MONDAY_0900_LA + timedelta(minutes=5))

    channel = posts(bot, "C0TEAM")
    assert "ran the incident review" in channel
    assert "renegotiated the vendor contract" not in channel
    assert "kept this one to myself" not in channel
    # Ben shared nothing: the channel neither names nor counts him (it celebrates who shared).
    assert "Ben" not in channel and "shared nothing" not in channel
    # Maria alone gets the "my manager" win, by DM, once; there Ben is counted, not named.
    [dm] = dms(bot.fake, MANAGER)
    assert "renegotiated the vendor contract" in json.dumps(dm)
    assert "Ben" not in json.dumps(dm) and "1 report shared nothing with you this week" in json.dumps(dm)
    # Nothing else of Ana's went to any conversation but these two.
    every_post = [p for p in dms(bot.fake) if "renegotiated the vendor contract" in json.dumps(p)]
    assert [p["channel"] for p in every_post] == [MANAGER]


def test_reports_are_told_when_the_digest_channel_changes(bot: RunningBot) -> None:
    for report in ("U0001", "U0002"):
        coach(bot, f"manager <@{MANAGER}|maria>", user=report)
    coach(bot, "manager <@UOTHER|olga>", user="U0003")  # someone else's report hears nothing
    bot.clock.set(IN_THE_WEEK)
    coach(bot, "digest", user=MANAGER)  # enrolls Maria
    update_member(bot, MANAGER, timezone="America/Los_Angeles", timezone_from_slack=False)
    save_win(bot, "U0001", "shared with maria before any channel", Visibility.MANAGER.value)
    assert drain()
    bot.fake.reset()

    shown = coach(bot, "digest <#C0TEAM|team>", user=MANAGER)
    assert "told your 2 reports" in shown
    for report in ("U0001", "U0002"):

        def notices(who: str = report) -> list[dict[str, Any]]:
            return dms(bot.fake, who)

        [notice] = eventually(notices)
        text = notice["text"]
        assert f"<@{MANAGER}>'s team digest now goes to <#C0TEAM>" in text
        assert "the team channel" in text and "never appear there" in text
    assert dms(bot.fake, "U0003") == []

    # Someone naming Maria later is told where her digest goes when they link her.
    linked = coach(bot, f"manager <@{MANAGER}|maria>", user="U0004")
    assert "Their team digest goes to <#C0TEAM>" in linked
    # Changing it (another day: one such message a day) tells them again, naming both channels; setting the
    # same one again does not.
    bot.fake.reset()
    bot.clock.set(IN_THE_WEEK + timedelta(days=1))
    coach(bot, "digest <#C0NEW|new-team>", user=MANAGER)
    [notice] = eventually(lambda: dms(bot.fake, "U0002"))
    assert "<#C0NEW>" in notice["text"] and "instead of <#C0TEAM>" in notice["text"]
    coach(bot, "digest <#C0NEW|new-team>", user=MANAGER)
    assert drain()
    assert len(dms(bot.fake, "U0002")) == 1

    # A win shared with "my manager" before the channel existed does not start appearing there.
    bot.fake.reset()
    tick(bot.deps, MONDAY_0900_LA)
    assert "shared with maria before any channel" not in posts(bot, "C0NEW")
    assert "shared with maria before any channel" in posts(bot, MANAGER)

    bot.fake.reset()
    bot.clock.set(IN_THE_WEEK + timedelta(days=2))
    coach(bot, "digest off", user=MANAGER)
    [notice] = eventually(lambda: dms(bot.fake, "U0001"))
    assert "turned off their team digest channel" in notice["text"]


def test_a_stale_form_cannot_share_with_a_channel_that_is_gone(bot: RunningBot) -> None:
    coach(bot, f"manager <@{MANAGER}|maria>", user="U0001")
    reply = save_win(bot, "U0001", "for the team", Visibility.TEAM_CHANNEL.value)
    assert reply["response_action"] == "errors"
    assert "no team digest channel" in reply["errors"][ids.WIN_VISIBILITY_BLOCK]
    with bot.db.transaction() as session:
        assert session.scalars(select(BragEntry)).all() == []


def test_the_managers_home_counts_reports_who_shared_nothing(bot: RunningBot) -> None:
    for report, name in (("U0001", "Ana"), ("U0002", "Ben")):
        coach(bot, f"manager <@{MANAGER}|maria>", user=report)
        update_member(bot, report, display_name=name)
    save_win(bot, "U0001", "shared with maria", Visibility.MANAGER.value)
    save_win(bot, "U0002", "ben keeps this", Visibility.PRIVATE.value)
    assert drain()
    bot.clock.advance(minutes=5)  # the manager looks a few minutes after the wins were saved
    home = block_texts(open_home(bot, MANAGER))
    assert "*Ana*" in home and "1 shared this week" in home
    assert "Ben" not in home and "1 of 2 shared something with you in the last 7 days" in home
    assert "1 more report hasn't shared anything with you yet" in home


def test_a_win_shared_with_a_named_manager_never_reaches_the_next_one(bot: RunningBot) -> None:
    coach(bot, f"manager <@{MANAGER}|maria>", user="U0001")
    update_member(bot, "U0001", display_name="Ana")
    bot.clock.set(IN_THE_WEEK)
    saved = save_win(bot, "U0001", "renegotiated the vendor contract", Visibility.MANAGER.value)
    assert f"Shared with <@{MANAGER}> only" in block_texts(saved["view"])
    # Ana names Bob instead: what she shared with Maria becomes private, and she is told so.
    shown = coach(bot, "manager <@UBOB|bob>", user="U0001")
    assert "1 win you had shared with <@UMGR>" in shown and "private now" in shown
    coach(bot, "digest", user="UBOB")  # Bob uses the bot too: his Monday digest DM is due
    update_member(bot, "UBOB", timezone="America/Los_Angeles", timezone_from_slack=False)
    assert drain()
    bot.fake.reset()
    tick(bot.deps, MONDAY_0900_LA)
    tick(bot.deps, MONDAY_0900_LA + timedelta(minutes=5))
    assert all("renegotiated the vendor contract" not in json.dumps(p) for p in dms(bot.fake))
    with bot.db.transaction() as session:
        assert session.scalar(select(BragEntry.visibility)) == Visibility.PRIVATE
    # Removing the link does the same (a manager named later never inherits old shares).
    coach(bot, "manager <@UBOB|bob>", user="U0001")
    save_win(bot, "U0001", "shared with bob", Visibility.MANAGER.value)
    assert "1 win you had shared with <@UBOB>" in coach(bot, "manager remove", user="U0001")

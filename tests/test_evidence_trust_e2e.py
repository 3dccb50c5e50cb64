"""Evidence you can trust, over signed HTTP (issue 21): everyday messages name no criterion, one Confirm
confirms one suggestion, and Home and the review packet count only what the person confirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.blocks import ids
from bot.blocks.limits import message_problems
from tests.support.bots import RunningBot
from tests.support.brag import count, entries, open_home, opened_view
from tests.support.driver import block_texts
from tests.support.nudges import action_ids, dms, enroll, tick
from tests.test_capture_e2e import dm, home_line, posted

USER = "U0001"
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
TWO_THINGS = "Used git bisect and a minimal repro to debug the crash; the fix PR was approved in one review round"
"""A win that shows two Stage 1 criteria about equally (debugging systematically; PRs approved quickly)."""


def confirm_values(answer: dict[str, Any]) -> list[str]:
    return [
        b["accessory"]["value"]
        for b in answer["blocks"]
        if str(b.get("block_id", "")).startswith(ids.WIN_SUGGESTION_BLOCK_PREFIX)
    ]


def test_win_ok_and_everyday_dms_name_no_criterion(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    enroll(bot.db, USER, stage=2)
    bot.slack.command(ids.CMD_WIN, "ok")
    answer = bot.slack.responses()[0]
    assert message_problems(answer) == []
    assert "Looks like:" not in block_texts(answer)
    assert ids.WIN_EVIDENCE_CONFIRM not in action_ids(answer)
    for text in ("lunch was great", "testing if this thing works", "out tomorrow, back Thursday"):
        dm(bot, text)
    saved = entries(bot)
    assert [e.what for e in saved] == [
        "ok",
        "lunch was great",
        "testing if this thing works",
        "out tomorrow, back Thursday",
    ]
    assert all(e.suggested_keys == [] and e.evidence_keys == [] for e in saved)
    replies = posted(bot)
    assert len(replies) == 3
    for reply in replies:
        assert "Looks like:" not in block_texts(reply)
        assert "I couldn't tell which exit criterion this shows" in block_texts(reply)


def test_confirm_confirms_one_suggestion_and_only_it_counts(bot: RunningBot) -> None:
    bot.clock.set(NOW)
    review = date(2026, 12, 9)
    enroll(bot.db, USER, "UTC", stage=1, review_date=review, timezone_from_slack=False)
    content = bot.deps.content
    debug, prs = content.criterion("s1-debug-systematically"), content.criterion("s1-prs-approved-quickly")
    assert debug is not None and prs is not None
    dm(bot, TWO_THINGS)
    [entry] = entries(bot)
    assert sorted(entry.suggested_keys) == sorted([debug.key, prs.key]) and entry.evidence_keys == []
    [card] = posted(bot)
    # One "Looks like: X [Yes]" on the card (the first suggestion); the other waits its turn.
    assert confirm_values(card) == [f"{entry.id}:{entry.suggested_keys[0]}"]
    home = open_home(bot)
    assert home_line(home, debug.text).startswith(":white_circle:")
    assert home_line(home, prs.text).startswith(":white_circle:")
    # "Change evidence" opens with nothing preselected: the suggestions are named in its hint.
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_EVIDENCE_CHANGE, str(entry.id), response_name="change")
    picker = opened_view(bot, before, trigger="trigger-change")
    [pick] = [b for b in picker["blocks"] if b.get("block_id") == ids.EVIDENCE_PICK_BLOCK]
    assert "initial_options" not in pick["element"] and debug.text in pick["hint"]["text"]

    bot.slack.click(ids.WIN_EVIDENCE_CONFIRM, f"{entry.id}:{debug.key}")
    redrawn = bot.slack.responses()[0]
    assert confirm_values(redrawn) == [f"{entry.id}:{prs.key}"]  # the other suggestion is still only that
    [entry] = entries(bot)
    assert entry.evidence_keys == [debug.key] and entry.suggested_keys == [prs.key]
    home = open_home(bot)
    assert home_line(home, debug.text).startswith(":white_check_mark:")
    assert home_line(home, prs.text).startswith(":white_circle:")
    # A replayed or forged Confirm for something not suggested confirms nothing.
    bot.slack.click(ids.WIN_EVIDENCE_CONFIRM, f"{entry.id}:{debug.key}")
    bot.slack.click(ids.WIN_EVIDENCE_CONFIRM, f"{entry.id}:s1-help-onboard")
    bot.slack.click(ids.WIN_EVIDENCE_CONFIRM, f"{entry.id}:{prs.key}", user="U0002")
    bot.slack.responses()
    [entry] = entries(bot)
    assert entry.evidence_keys == [debug.key] and entry.suggested_keys == [prs.key]

    # The review packet (14 days before, 09:00 local) lists the win under the confirmed criterion only.
    tick(bot.deps, datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(minutes=1))
    [packet] = [m for m in dms(bot.fake, USER) if "here is your packet" in block_texts(m)]
    text = block_texts(packet)
    assert f"*{debug.text}*" in text and f"*{prs.text}*" not in text
    assert f"1/{len(content.stage(1).exit_criteria)} exit criteria with evidence" in text

"""The channel digest against Slack's real message limits, and what happens when Slack refuses a page.

The limits are asserted here on the recorded ``chat.postMessage`` calls themselves (block count, and
the characters of every text object), independently of the bot's own measuring.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import DeliveryStatus, EntrySource, Member, NudgeKind, SendBucket, Visibility
from bot.services import brag
from bot.services.brag import MAX_IMPACT, MAX_WHAT
from tests.support.bots import RunningBot
from tests.support.nudges import dms, enroll, ledger_rows, tick

LA = ZoneInfo("America/Los_Angeles")
MONDAY_0900_LA = datetime(2026, 11, 23, 9, 0, tzinfo=LA)
IN_THE_WEEK = MONDAY_0900_LA - timedelta(days=2)
MANAGER = "UMGR"
CHANNEL = "C0TEAM"
SLACK_MAX_BLOCKS = 50
SLACK_MAX_BLOCK_TEXT = 12_000


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def text_chars(node: Any) -> int:
    """Characters of every text object (``{"type": "mrkdwn"|"plain_text", "text": ...}``) in ``node``."""
    if isinstance(node, list):
        return sum(text_chars(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = len(node["text"]) if node.get("type") in {"mrkdwn", "plain_text"} and isinstance(node.get("text"), str) else 0
    return own + sum(text_chars(value) for value in node.values() if isinstance(value, dict | list))


def team_with_wins(bot: RunningBot, reports: int, wins_each: int, length: int) -> list[str]:
    """A manager with a digest channel and ``reports`` reports, each sharing near-maximum wins."""
    enroll(bot.db, MANAGER, "America/Los_Angeles", digest_channel_id=CHANNEL)
    names = []
    for index in range(reports):
        # Names as long as Slack profiles get here (100), with characters that grow when escaped.
        name = f"Report {index:02d} " + "<&>" * 29
        enroll(bot.db, f"U{index:05d}", manager_slack_user_id=MANAGER, display_name=name[:100], stage=2)
        names.append(f"Report {index:02d} ")
    with bot.db.transaction() as session:
        for member in session.scalars(select(Member).where(Member.manager_slack_user_id == MANAGER)):
            for win in range(wins_each):
                tag = f"{member.slack_user_id}-w{win} "
                brag.create_entry(
                    session,
                    bot.deps.content,
                    member,
                    brag.WinInput(
                        (tag + "shipped & <fixed> " * 200)[: min(length, MAX_WHAT)],
                        impact=("saved hours & <money> " * 200)[: min(length, MAX_IMPACT)],
                        visibility=Visibility.TEAM_CHANNEL,
                    ),
                    now=IN_THE_WEEK + timedelta(minutes=win),
                    source=EntrySource.COMMAND,
                )
    return names


@pytest.mark.slow(seconds=24)
def test_a_60_report_digest_stays_within_slacks_limits_and_is_complete(bot: RunningBot) -> None:
    names = team_with_wins(bot, reports=60, wins_each=3, length=MAX_WHAT)
    tick(bot.deps, MONDAY_0900_LA)
    pages = dms(bot.fake, CHANNEL)
    assert len(pages) > 1
    for params in pages:
        blocks = blocks_of(params)
        assert len(blocks) <= SLACK_MAX_BLOCKS
        assert text_chars(blocks) <= SLACK_MAX_BLOCK_TEXT, text_chars(blocks)
    sizes = [(len(blocks_of(p)), text_chars(blocks_of(p))) for p in pages]
    most_blocks, most_chars = max(b for b, _ in sizes), max(c for _, c in sizes)
    print(f"60 reports x 3 wins: {len(pages)} pages; max {most_blocks} blocks, max {most_chars} chars")
    every_page = "\n".join(json.dumps(blocks_of(p)) for p in pages)
    # Complete: every report once, every one of their wins, pages numbered 1..n without a gap.
    for name in names:
        assert every_page.count(name) == 1, name
    for index in range(60):
        for win in range(3):
            assert f"U{index:05d}-w{win} " in every_page
    total = len(pages)
    expected = {f"Team wins, week of Nov 16 ({n}/{total})" for n in range(1, total + 1)}
    assert sorted(p["text"] for p in pages) == sorted(expected)
    # The channel's pace (a message a second) is spent on the pages that go out: of the 30 pages planned, the
    # 15 not needed take none of it (each took a second before: this test took 36 s, now 22 s).
    planned = [r for r in ledger_rows(bot.db, NudgeKind.DIGEST.value) if r.recipient_id == CHANNEL]
    with bot.db.transaction() as session:
        next_slot = session.scalar(select(SendBucket.next_send_at).where(SendBucket.channel_id == CHANNEL))
    first_page = min(c.at for c in bot.fake.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL)
    assert next_slot is not None
    assert next_slot - first_page < len(planned) - 1, (next_slot - first_page, len(planned))  # 17 s, was 32
    # Sent once: a second tick posts nothing more.
    tick(bot.deps, MONDAY_0900_LA + timedelta(minutes=5))
    assert len(dms(bot.fake, CHANNEL)) == total


def test_msg_blocks_too_long_is_a_permanent_error_logged_at_error(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    team_with_wins(bot, reports=1, wins_each=1, length=200)
    bot.fake.error_next("chat.postMessage", "msg_blocks_too_long")
    with caplog.at_level(logging.INFO):
        tick(bot.deps, MONDAY_0900_LA)
    [row] = [r for r in ledger_rows(bot.db, NudgeKind.DIGEST.value) if r.recipient_id == CHANNEL and r.attempts]
    assert row.status == DeliveryStatus.FAILED.value and row.attempts == 1
    assert "msg_blocks_too_long" in (row.last_error or "")
    refused = [r for r in caplog.records if r.levelno == logging.ERROR and "refused a nudge message" in r.getMessage()]
    assert refused and getattr(refused[0], "error", None) == "msg_blocks_too_long"
    # Not retried later.
    tick(bot.deps, MONDAY_0900_LA + timedelta(hours=2))
    assert len(dms(bot.fake, CHANNEL)) == 1  # the one refused attempt


def test_a_digest_page_whose_send_was_interrupted_is_never_sent_twice(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    team_with_wins(bot, reports=1, wins_each=1, length=200)
    # A 5xx (or a crash mid-send) leaves the page's fate unknown; the channel cannot be checked.
    bot.fake.fail_next("chat.postMessage", status=500)
    tick(bot.deps, MONDAY_0900_LA)
    with caplog.at_level(logging.WARNING):
        tick(bot.deps, MONDAY_0900_LA + timedelta(hours=2))
        tick(bot.deps, MONDAY_0900_LA + timedelta(hours=4))
    assert dms(bot.fake, CHANNEL) == []  # (the fake records no call it answered with a 5xx)
    [row] = [r for r in ledger_rows(bot.db, NudgeKind.DIGEST.value) if r.recipient_id == CHANNEL and r.attempts]
    assert row.status == DeliveryStatus.FAILED.value and "not re-sent" in (row.last_error or "")
    assert any("not sending it again" in r.getMessage() for r in caplog.records)

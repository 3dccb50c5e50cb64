"""Found this week arrives in the weekly prompt's thread (issue 27), over signed HTTP against both simulators.

The found message is a reply in the thread of that week's prompt; an uncertain send of it is reconciled in that
thread (``conversations.replies``: the history lists no replies) and never posted twice; a week whose prompt
was not sent gets it as a message of its own; the member's replies in the thread stay the week's wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.db.models import DeliveryStatus, Member, NudgeKind
from bot.services import prompts
from tests.support.bots import RunningBot
from tests.support.brag import entries
from tests.support.clock import Clock
from tests.support.fake_github import FakeGitHub
from tests.support.nudges import ledger_rows, simulated_slack_clock, tick, utc
from tests.test_capture_e2e import dm
from tests.test_github_e2e import connect, gbot, github, member_id, week

__all__ = ["gbot", "github"]  # the fixtures, used by name

FOUND = NudgeKind.FOUND_THIS_WEEK.value
PROMPT = NudgeKind.WEEKLY_PROMPT.value
FRIDAY_PROMPT = utc(2026, 11, 20, 21, 0)
"""Friday 16:00 in New York: the member's weekly prompt; the found message is due 5 minutes later."""
FRIDAY_FOUND = FRIDAY_PROMPT + timedelta(minutes=5)


def connected_member(bot: RunningBot, github: FakeGitHub, clock: Clock, *, prompts_on: bool = True) -> None:
    """ana's week on GitHub, connected on Monday; a stage (so she gets the weekly prompt) in New York."""
    week(github)
    clock.set(utc(2026, 11, 16, 12))
    connect(bot, github)
    with bot.db.transaction() as session:
        member = session.get(Member, member_id(bot))
        assert member is not None
        member.timezone, member.stage, member.weekly_prompt_enabled = "America/New_York", 1, prompts_on
    simulated_slack_clock(bot.fake, FRIDAY_PROMPT)


def run(bot: RunningBot, clock: Clock, at: datetime) -> None:
    clock.set(at)
    tick(bot.deps, at)


def found_posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [c.params for c in bot.fake.calls_to("chat.postMessage") if "Found on GitHub" in str(c.params.get("text"))]


def landed(bot: RunningBot, channel: str = "D0001") -> list[dict[str, Any]]:
    """Found messages that Slack holds in the member's DM (top level and replies)."""
    return [m for m in bot.fake.messages[channel] if "Found on GitHub" in str(m.get("text"))]


def test_the_found_message_is_a_reply_in_the_weekly_prompts_thread(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    connected_member(gbot, github, clock)
    run(gbot, clock, FRIDAY_PROMPT)
    [prompt] = ledger_rows(gbot.db, PROMPT)
    assert prompt.status == DeliveryStatus.SENT.value and prompt.channel_id == "D0001" and prompt.message_ts
    run(gbot, clock, FRIDAY_FOUND)
    [post] = found_posts(gbot)
    assert post["channel"] == "D0001" and post["thread_ts"] == prompt.message_ts
    [message] = landed(gbot)
    assert message["thread_ts"] == prompt.message_ts
    # The DM's top level holds the prompt alone; the thread holds the prompt, then the found message.
    web = WebClient(token="xoxb-test", base_url=gbot.fake.api_url, retry_handlers=[])
    top = web.conversations_history(channel="D0001")["messages"]
    assert [m["ts"] for m in top] == [prompt.message_ts]
    thread = web.conversations_replies(channel="D0001", ts=prompt.message_ts)["messages"]
    assert [m["ts"] for m in thread] == [prompt.message_ts, message["ts"]]
    [row] = ledger_rows(gbot.db, FOUND)
    assert row.status == DeliveryStatus.SENT.value and row.message_ts == message["ts"]


def test_a_reply_in_that_thread_is_still_the_weeks_wins(gbot: RunningBot, github: FakeGitHub, clock: Clock) -> None:
    connected_member(gbot, github, clock)
    run(gbot, clock, FRIDAY_PROMPT)
    run(gbot, clock, FRIDAY_FOUND)
    [prompt] = ledger_rows(gbot.db, PROMPT)
    # Slack's threads are one level deep: a reply under the found message names the prompt's thread.
    dm(gbot, "Estimated the export at 3 days and it took 3", thread_ts=prompt.message_ts)
    [entry] = entries(gbot)
    assert entry.source == "prompt_reply"
    [prompt] = ledger_rows(gbot.db, PROMPT)
    assert prompt.answer == prompts.WIN_RECORDED


def test_a_crash_after_the_threaded_post_is_reconciled_in_the_thread_and_not_posted_again(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    connected_member(gbot, github, clock)
    run(gbot, clock, FRIDAY_PROMPT)
    fake = gbot.fake

    def post_then_drop(params: dict[str, Any], token: str | None) -> dict[str, Any]:
        del fake.handlers["chat.postMessage"]
        fake._answer("chat.postMessage", params, token)  # Slack posted the reply...
        raise ConnectionResetError("...and the connection dropped before the answer")

    fake.handlers["chat.postMessage"] = post_then_drop
    run(gbot, clock, FRIDAY_FOUND)
    [row] = ledger_rows(gbot.db, FOUND)
    assert row.status == DeliveryStatus.SENDING.value and (row.last_error or "").startswith("uncertain")
    graphql = len(github.api_calls("/api/graphql"))
    run(gbot, clock, FRIDAY_FOUND + timedelta(minutes=1))
    [row] = ledger_rows(gbot.db, FOUND)
    [message] = landed(gbot)
    assert row.status == DeliveryStatus.SENT.value and row.message_ts == message["ts"] and row.channel_id == "D0001"
    # Found among the thread's replies, which the DM's history would not have listed.
    [replies] = fake.calls_to("conversations.replies")
    [prompt] = ledger_rows(gbot.db, PROMPT)
    assert replies.params["channel"] == "D0001" and replies.params["ts"] == prompt.message_ts
    assert found_posts(gbot) == []  # nothing posted again (the dropped call is the one in Slack)
    assert len(github.api_calls("/api/graphql")) == graphql  # not read again from GitHub either


def test_an_uncertain_send_that_did_not_land_is_posted_once_in_the_thread(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    connected_member(gbot, github, clock)
    run(gbot, clock, FRIDAY_PROMPT)
    gbot.fake.fail_next("chat.postMessage", status=500)
    run(gbot, clock, FRIDAY_FOUND)
    assert landed(gbot) == []
    run(gbot, clock, FRIDAY_FOUND + timedelta(minutes=1))
    [prompt] = ledger_rows(gbot.db, PROMPT)
    [message] = landed(gbot)
    assert message["thread_ts"] == prompt.message_ts
    # Looked for in the thread, then in the history (it may have gone on its own), then posted.
    assert len(gbot.fake.calls_to("conversations.replies")) == 1
    assert len(gbot.fake.calls_to("conversations.history")) == 1
    [row] = ledger_rows(gbot.db, FOUND)
    assert row.status == DeliveryStatus.SENT.value and row.message_ts == message["ts"]


def test_a_week_without_a_prompt_gets_the_found_message_on_its_own(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    connected_member(gbot, github, clock, prompts_on=False)
    run(gbot, clock, FRIDAY_PROMPT)
    assert ledger_rows(gbot.db, PROMPT) == []
    run(gbot, clock, FRIDAY_FOUND)
    [post] = found_posts(gbot)
    assert post["channel"] == "U0001" and not post.get("thread_ts")
    [message] = landed(gbot)
    assert "thread_ts" not in message
    # A reply in the found message's own thread is a win, and answers no prompt.
    dm(gbot, "paired with the intern on the importer", thread_ts=message["ts"])
    [entry] = entries(gbot)
    assert entry.source == "dm"


def test_a_prompt_still_being_sent_is_waited_for_then_replied_to(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    connected_member(gbot, github, clock)
    gbot.fake.fail_next("chat.postMessage", status=500, times=2)  # the prompt's first two attempts: unknown
    run(gbot, clock, FRIDAY_PROMPT)
    run(gbot, clock, FRIDAY_FOUND)
    [prompt] = ledger_rows(gbot.db, PROMPT)
    [row] = ledger_rows(gbot.db, FOUND)
    # The prompt went first (priority) and is still sending: the found message waits rather than go on its own.
    assert prompt.status == DeliveryStatus.SENDING.value
    assert row.status == DeliveryStatus.DUE.value and "waiting for the weekly prompt" in (row.last_error or "")
    assert landed(gbot) == []
    for minute in range(1, 5):
        run(gbot, clock, FRIDAY_FOUND + timedelta(minutes=minute))
    [prompt] = ledger_rows(gbot.db, PROMPT)
    [message] = landed(gbot)
    assert prompt.status == DeliveryStatus.SENT.value and message["thread_ts"] == prompt.message_ts

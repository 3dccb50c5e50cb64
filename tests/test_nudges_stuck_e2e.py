"""``/stuck`` over signed HTTP, the nudge via ticks, its buttons, and the help-request modal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.blocks.limits import message_problems, view_problems
from bot.db.engine import Database
from bot.db.models import BragEntry, EntrySource, Member, NudgeKind, StuckSession
from bot.deps import Deps
from tests.support.bots import RunningBot, make_settings, start_bot
from tests.support.clock import Clock
from tests.support.driver import block_texts
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import action_ids, dms, ledger_rows, tick, utc

T0 = utc(2026, 11, 18, 15, 0)  # a Wednesday: no weekly prompt in the way
USER = "U0001"
OTHER = "U0002"


def start(bot: RunningBot, text: str = "flaky <!channel> test in CI", at: Any = T0, user: str = USER) -> dict[str, Any]:
    bot.clock.set(at)
    assert bot.slack.command("/stuck", text, user=user).status == 200
    [response] = bot.slack.responses()
    return response


def session_row(bot: RunningBot) -> StuckSession:
    with bot.db.transaction() as session:
        return session.scalars(select(StuckSession).order_by(StuckSession.id.desc())).first()  # type: ignore[return-value]


def nudges(bot: RunningBot, user: str = USER) -> list[dict[str, Any]]:
    return [p for p in dms(bot.fake, user) if ids.STUCK_MORE_TIME in action_ids(p)]


def test_stuck_nudges_once_after_thirty_minutes(bot: RunningBot) -> None:
    response = start(bot)
    text = block_texts(response)
    # Slack's <!channel> is kept as the "@channel" a person reads (issue #23); never as markup.
    assert "Stuck timer started" in text and "flaky @channel test" in text and "<!channel>" not in text
    assert message_problems(response) == []
    tick(bot.deps, T0 + timedelta(minutes=10))
    assert nudges(bot) == []
    tick(bot.deps, T0 + timedelta(minutes=31))
    [nudge] = nudges(bot)
    assert action_ids(nudge) == [ids.STUCK_UNBLOCKED, ids.STUCK_MORE_TIME, ids.STUCK_DRAFT_HELP]
    assert "31 minutes" in block_texts(nudge) and "flaky @channel test" in block_texts(nudge)
    assert message_problems({"text": nudge["text"], "blocks": nudge["blocks"]}) == []
    for minutes in (32, 45, 120):
        tick(bot.deps, T0 + timedelta(minutes=minutes))
    assert len(nudges(bot)) == 1
    [row] = ledger_rows(bot.db, NudgeKind.STUCK.value)
    assert row.period_key == f"stuck-{session_row(bot).id}-0" and row.status == "sent"


def test_stuck_minutes_setting_is_honoured(
    db: Database, fake_slack: FakeSlack, content: Any, clock: Clock, database_url: str
) -> None:
    deps = Deps(
        settings=make_settings(database_url, fake_slack.api_url, stuck_minutes=5), db=db, content=content, clock=clock
    )
    running, server = start_bot(deps, fake_slack, clock)
    try:
        response = start(running)
        assert "(5 min)" in block_texts(response)
        tick(deps, T0 + timedelta(minutes=4))
        assert nudges(running) == []
        tick(deps, T0 + timedelta(minutes=5))
        assert len(nudges(running)) == 1
    finally:
        server.stop()


def test_unblocked_closes_it_and_no_nudge_follows(bot: RunningBot) -> None:
    start(bot)
    tick(bot.deps, T0 + timedelta(minutes=31))
    stuck_id = str(session_row(bot).id)
    bot.clock.set(T0 + timedelta(minutes=33))
    bot.slack.click(ids.STUCK_UNBLOCKED, stuck_id, user=USER)
    [reply] = bot.slack.responses()
    assert reply["replace_original"] is True and "Glad you're unblocked (after 33 min)" in block_texts(reply)
    assert "brag document" not in block_texts(reply)  # after the nudge: no "asked early" win
    assert session_row(bot).status == "resolved"
    tick(bot.deps, T0 + timedelta(minutes=60))
    assert len(nudges(bot)) == 1


def test_fifteen_more_minutes_brings_exactly_one_more_nudge(bot: RunningBot) -> None:
    start(bot)
    tick(bot.deps, T0 + timedelta(minutes=31))
    stuck_id = str(session_row(bot).id)
    bot.clock.set(T0 + timedelta(minutes=33))
    bot.slack.click(ids.STUCK_MORE_TIME, stuck_id, user=USER)
    [reply] = bot.slack.responses()
    assert "15 more minutes" in block_texts(reply)
    assert session_row(bot).extensions == 1
    tick(bot.deps, T0 + timedelta(minutes=40))
    assert len(nudges(bot)) == 1
    tick(bot.deps, T0 + timedelta(minutes=48))
    tick(bot.deps, T0 + timedelta(minutes=49))
    tick(bot.deps, T0 + timedelta(minutes=90))
    assert len(nudges(bot)) == 2
    assert sorted(r.period_key for r in ledger_rows(bot.db, NudgeKind.STUCK.value)) == [
        f"stuck-{stuck_id}-0",
        f"stuck-{stuck_id}-1",
    ]


def _open_help_modal(bot: RunningBot) -> tuple[dict[str, Any], str]:
    start(bot, "payments test fails with <script>")
    tick(bot.deps, T0 + timedelta(minutes=31))
    stuck_id = str(session_row(bot).id)
    bot.clock.set(T0 + timedelta(minutes=35))
    bot.slack.click(ids.STUCK_DRAFT_HELP, stuck_id, user=USER)
    [call] = bot.fake.wait_for("views.open")
    view = call.params["view"]
    return view, stuck_id


def _help_values(channel: str, goal: str = "get the payments test passing", tried: str | None = None) -> dict[str, Any]:
    return {
        ids.HELP_GOAL_BLOCK: {ids.HELP_INPUT: {"type": "plain_text_input", "value": goal}},
        ids.HELP_TRIED_BLOCK: {
            ids.HELP_INPUT: {"type": "plain_text_input", "value": tried or "reran it\n<!here> cleared caches"}
        },
        ids.HELP_CHANNEL_BLOCK: {ids.HELP_INPUT: {"type": "conversations_select", "selected_conversation": channel}},
    }


def test_draft_help_opens_the_modal_and_posts_a_clear_ask(bot: RunningBot, content: Any) -> None:
    view, _ = _open_help_modal(bot)
    assert view["callback_id"] == ids.HELP_REQUEST_MODAL and view_problems(view) == []
    tried = next(b for b in view["blocks"] if b.get("block_id") == ids.HELP_TRIED_BLOCK)
    assert tried["element"]["initial_value"] == "payments test fails with <script>"
    channel_select = next(b for b in view["blocks"] if b.get("block_id") == ids.HELP_CHANNEL_BLOCK)["element"]
    assert (
        channel_select["type"] == "conversations_select" and channel_select["default_to_current_conversation"] is False
    )
    reply = bot.slack.submit_view(view, _help_values("CHELP"), user=USER)
    assert reply.status == 200 and not reply.body
    [posted] = bot.fake.messages["CHELP"]
    [call] = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == "CHELP"]
    text = block_texts(call.params)
    assert f"<@{USER}> is asking for help" in text
    assert "get the payments test passing" in text and "&lt;!here&gt; cleared caches" in text and "<!here>" not in text
    assert "35 min" in text
    assert message_problems({"text": posted["text"], "blocks": call.params["blocks"]}) == []
    confirmation = bot.fake.wait_for("chat.postMessage", count=3)[-1].params
    assert confirmation["channel"] == USER and "<#CHELP>" in block_texts(confirmation)
    assert message_problems({"text": confirmation["text"], "blocks": confirmation["blocks"]}) == []
    stuck = session_row(bot)
    assert stuck.asked_for_help_at == T0 + timedelta(minutes=35)
    # Asking is offered as a win, never saved unasked; no stage set, so no criterion is suggested.
    assert action_ids(confirmation) == [ids.STUCK_SAVE_WIN, ids.STUCK_NO_WIN]
    assert "Asked for help after 35 minutes stuck" in block_texts(confirmation)
    assert "evidence for" not in block_texts(confirmation)
    assert saved_wins(bot) == []
    # Posting a second request from the same timer makes no second offer.
    bot.slack.submit_view(view, _help_values("CHELP"), user=USER)
    again = bot.fake.wait_for("chat.postMessage", count=5)[-1].params
    assert again["channel"] == USER and ids.STUCK_SAVE_WIN not in action_ids(again)
    # Someone else's tap saves nothing; the owner's saves one win, once.
    bot.slack.click(ids.STUCK_SAVE_WIN, str(stuck.id), user=OTHER)
    assert "someone else" in block_texts(bot.slack.responses()[0]) and saved_wins(bot) == []
    bot.slack.click(ids.STUCK_SAVE_WIN, str(stuck.id), user=USER)
    card = bot.slack.responses()[0]
    assert card["replace_original"] is True and "Saved to your brag document" in block_texts(card)
    [entry] = saved_wins(bot)
    assert entry.source == EntrySource.STUCK and entry.visibility == "private"
    assert entry.what.startswith("Asked for help after 35 minutes stuck")
    assert entry.evidence_keys == [] and entry.suggested_keys == []
    bot.slack.click(ids.STUCK_SAVE_WIN, str(stuck.id), user=USER)
    assert "already saved" in block_texts(bot.slack.responses()[0])
    assert len(saved_wins(bot)) == 1


def saved_wins(bot: RunningBot) -> list[BragEntry]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(BragEntry).order_by(BragEntry.id)))


def set_stage(bot: RunningBot, stage: int) -> None:
    with bot.db.transaction() as session:
        session.scalars(select(Member).where(Member.slack_user_id == USER)).one().stage = stage


def test_help_request_to_a_channel_without_the_bot_keeps_the_modal_open(bot: RunningBot) -> None:
    view, _ = _open_help_modal(bot)
    bot.fake.channels_without_bot.add("CSECRET")
    reply = bot.slack.submit_view(view, _help_values("CSECRET"), user=USER)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert "/invite @Stagecoach" in answer["errors"][ids.HELP_CHANNEL_BLOCK]
    assert bot.fake.messages.get("CSECRET", []) == []
    assert session_row(bot).asked_for_help_at is None
    missing = bot.slack.submit_view(view, _help_values("CHELP", goal=" "), user=USER).json()
    assert set(missing["errors"]) == {ids.HELP_GOAL_BLOCK}


def test_unblocked_early_offers_a_win_and_saves_nothing_unless_asked(bot: RunningBot) -> None:
    start(bot)
    set_stage(bot, 2)  # a Stage 2 engineer: the Stage 1 criterion is not theirs to be suggested
    bot.clock.set(T0 + timedelta(minutes=12))
    bot.slack.command("/stuck", "done", user=USER)
    [reply] = bot.slack.responses()
    text = block_texts(reply)
    assert "after 12 min" in text and "Got unblocked within 12 minutes" in text
    assert "Complete tasks with minimal back-and-forth" not in text
    assert action_ids(reply) == [ids.STUCK_SAVE_WIN, ids.STUCK_NO_WIN] and message_problems(reply) == []
    assert saved_wins(bot) == []
    first = session_row(bot).id
    bot.slack.click(ids.STUCK_NO_WIN, str(first), user=USER)
    assert "nothing saved" in block_texts(bot.slack.responses()[0])
    assert saved_wins(bot) == []
    tick(bot.deps, T0 + timedelta(minutes=31))
    assert nudges(bot) == []
    bot.slack.command("/stuck", "done", user=USER)
    assert "No stuck timer is running" in block_texts(bot.slack.responses()[0])

    # A Stage 1 engineer is offered the same, with their own stage's criterion as a suggestion only.
    set_stage(bot, 1)
    start(bot, "second problem", at=T0 + timedelta(hours=1))
    bot.clock.set(T0 + timedelta(hours=1, minutes=5))
    bot.slack.command("/stuck", "done", user=USER)
    [reply] = bot.slack.responses()
    assert "Complete tasks with minimal back-and-forth" in block_texts(reply) and saved_wins(bot) == []
    bot.slack.click(ids.STUCK_SAVE_WIN, str(session_row(bot).id), user=USER)
    card = bot.slack.responses()[0]
    [entry] = saved_wins(bot)
    assert entry.source == "stuck" and entry.what.startswith("Got unblocked within 5 minutes")
    assert entry.evidence_keys == [] and entry.suggested_keys == ["s1-minimal-back-and-forth"]
    assert ids.WIN_EVIDENCE_CONFIRM in action_ids(card)  # counted only once the person confirms it
    # A timer closed after the thirty minutes earned nothing: no offer, and a replayed tap saves nothing.
    start(bot, "third problem", at=T0 + timedelta(hours=2))
    bot.clock.set(T0 + timedelta(hours=2, minutes=45))
    bot.slack.command("/stuck", "done", user=USER)
    assert ids.STUCK_SAVE_WIN not in action_ids(bot.slack.responses()[0])
    bot.slack.click(ids.STUCK_SAVE_WIN, str(session_row(bot).id), user=USER)
    assert "already saved" in block_texts(bot.slack.responses()[0]) and len(saved_wins(bot)) == 1


def test_someone_elses_buttons_change_nothing(bot: RunningBot) -> None:
    start(bot)
    tick(bot.deps, T0 + timedelta(minutes=31))
    stuck_id = str(session_row(bot).id)
    for action_id in (ids.STUCK_UNBLOCKED, ids.STUCK_MORE_TIME, ids.STUCK_DRAFT_HELP):
        bot.slack.click(action_id, stuck_id, user=OTHER)
        [reply] = bot.slack.responses()
        assert reply.get("replace_original") is False and "someone else" in block_texts(reply)
    stuck = session_row(bot)
    assert (stuck.status, stuck.extensions) == ("open", 0)
    assert bot.fake.calls_to("views.open") == []


def test_a_new_stuck_replaces_the_running_one(bot: RunningBot) -> None:
    start(bot, "first problem")
    response = start(bot, "", at=T0 + timedelta(minutes=20))
    assert "Restarted" in block_texts(response) and "first problem" in block_texts(response)
    tick(bot.deps, T0 + timedelta(minutes=31))
    assert nudges(bot) == []
    tick(bot.deps, T0 + timedelta(minutes=50))
    assert len(nudges(bot)) == 1
    with bot.db.transaction() as session:
        statuses = [s.status for s in session.scalars(select(StuckSession).order_by(StuckSession.id))]
    assert statuses == ["resolved", "open"]


def test_opted_out_member_is_told_and_not_nudged(bot: RunningBot) -> None:
    start(bot, "warming up")  # enrolls U0001
    with bot.db.transaction() as session:
        session.scalars(select(Member)).one().stuck_nudges_enabled = False
    response = start(bot, "something else", at=T0 + timedelta(minutes=1))
    assert "stuck nudges are off" in block_texts(response)
    tick(bot.deps, T0 + timedelta(minutes=40))
    assert nudges(bot) == []


def test_a_nudge_more_than_an_hour_late_is_skipped_not_sent(bot: RunningBot) -> None:
    start(bot)
    # The bot was down from before the nudge was due until two hours later.
    report = tick(bot.deps, T0 + timedelta(hours=2))
    assert nudges(bot) == [] and report.skipped == 1
    [row] = ledger_rows(bot.db, NudgeKind.STUCK.value)
    assert row.status == "skipped"


def test_stuck_help_explains_the_command(bot: RunningBot) -> None:
    bot.slack.command("/stuck", "help", user=USER)
    text = block_texts(bot.slack.responses()[0])
    assert "/stuck done" in text and "30 minutes" in text
    with bot.db.transaction() as session:
        assert session.scalars(select(StuckSession)).all() == []


@pytest.mark.slow
def test_tick_via_the_real_cli(bot: RunningBot, database_url: str) -> None:
    import os
    import subprocess
    import sys

    start(bot)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-cli-token",
        "SLACK_API_URL": bot.fake.api_url,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    for minutes, expected in ((10, 0), (31, 1), (32, 1)):
        at = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        result = subprocess.run(
            [sys.executable, "-m", "bot", "tick", "--at", at], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert f"tick at {(T0 + timedelta(minutes=minutes)).isoformat()}" in result.stdout
        assert len(nudges(bot)) == expected
    [call] = [c for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == USER]
    assert call.token == "xoxb-cli-token"

"""Bad input at the edges gets a clear answer and loses nothing: over signed HTTP, the CLI and /healthz."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.blocks.brag import NOT_YOUR_ENTRY_TEXT
from bot.db.models import BragEntry, Member, StuckSession
from tests.support.bots import RunningBot
from tests.support.brag import win_values
from tests.support.driver import block_texts, http_request
from tests.support.processes import clean_env, run_bot
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import eventually


def stored_wins(bot: RunningBot) -> list[str]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(BragEntry.what).order_by(BragEntry.id)))


def stuck_topic(bot: RunningBot) -> str | None:
    with bot.db.transaction() as session:
        return session.scalars(select(StuckSession.what).order_by(StuckSession.id.desc())).first()


def test_a_nul_byte_in_win_and_stuck_is_dropped_and_the_rest_saved(bot: RunningBot) -> None:
    bot.slack.command("/win", "ship\x00ped the fix")
    assert "Saved to your brag document" in block_texts(bot.slack.responses()[0])
    assert stored_wins(bot) == ["shipped the fix"]
    bot.slack.command("/stuck", "flaky\x00 deploy")
    assert "flaky deploy" in block_texts(bot.slack.responses()[0])
    assert stuck_topic(bot) == "flaky deploy"


def test_a_lone_surrogate_is_shown_as_a_replacement_character(bot: RunningBot) -> None:
    view = {"callback_id": ids.WIN_MODAL, "private_metadata": json.dumps({"entry": None, "source": "modal"})}
    reply = bot.slack.submit_view(view, win_values(what="fixed the \ud800 parser", impact="no more \udfff crashes"))
    assert reply.status == 200
    assert "Saved to your brag document" in block_texts(reply.json()["view"])
    assert stored_wins(bot) == ["fixed the \ufffd parser"]


def test_stuck_text_is_unescaped_once(bot: RunningBot) -> None:
    bot.slack.command("/stuck", "a&lt;b &amp; c&gt;d")  # what Slack sends for "a<b & c>d"
    shown = block_texts(bot.slack.responses()[0])
    assert "a&lt;b &amp; c&gt;d" in shown and "&amp;lt;" not in shown
    assert stuck_topic(bot) == "a<b & c>d"


def test_a_cleared_stage_menu_gets_an_answer(bot: RunningBot) -> None:
    payload = bot.slack._interaction_base("block_actions", "U0001", None, "cleared")
    payload.update(
        actions=[
            {
                "action_id": ids.STAGE_SET_MINE,
                "block_id": "b",
                "type": "static_select",
                "selected_option": None,
                "action_ts": str(time.time()),
            }
        ],
        container={"type": "message", "channel_id": "D0001", "is_ephemeral": True},
        channel={"id": "D0001"},
        message={"ts": "1.000001", "text": ""},
        response_url=bot.fake.response_url("cleared"),
    )
    assert bot.slack.post_payload(payload).status == 200
    assert "Pick a stage from 1 to 5" in block_texts(bot.slack.responses("cleared")[0])
    with bot.db.transaction() as session:
        assert session.scalars(select(Member.stage)).all() in ([], [None])


def test_an_entry_id_beyond_any_row_is_answered_and_the_form_kept(bot: RunningBot) -> None:
    view = {"callback_id": ids.WIN_MODAL, "private_metadata": '{"entry": 99999999999999999999, "source": "modal"}'}
    reply = bot.slack.submit_view(view, win_values(what="edited text"))
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"  # the modal stays open with what was typed
    assert answer["errors"][ids.WIN_WHAT_BLOCK] == NOT_YOUR_ENTRY_TEXT
    assert stored_wins(bot) == []
    bot.slack.click(ids.WIN_EDIT, "99999999999999999999", response_name="edit")
    assert "isn't in your brag document" in block_texts(bot.slack.responses("edit")[0])


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_tick_at_the_ends_of_time_is_one_line_and_exit_2(tmp_path: Path, instant: str) -> None:
    result = run_bot(["tick", "--at", instant], tmp_path, clean_env(SLACK_BOT_TOKEN="xoxb-1"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("stagecoach: --at") and "outside the times the scheduler handles" in line


def test_healthz_answers_503_within_2_s_while_the_database_is_frozen(proxied_bot: tuple[RunningBot, TcpProxy]) -> None:
    bot, proxy = proxied_bot
    assert http_request(f"{bot.url}/healthz").status == 200  # a pooled connection exists
    proxy.delay = 4.0  # the database stops answering (nothing is refused: packets just sit)
    for _ in range(3):  # every poll, not just the first
        started = time.monotonic()
        health = http_request(f"{bot.url}/healthz")
        elapsed = time.monotonic() - started
        assert health.status == 503 and elapsed < 2.0, (health.status, elapsed)
        assert json.loads(health.body)["database"] == "unreachable"
    proxy.delay = 0
    eventually(lambda: http_request(f"{bot.url}/healthz").status == 200, timeout=15, interval=0.5)

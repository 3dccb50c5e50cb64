"""``/coach`` over signed HTTP: help from the dispatch table, settings, export, delete-my-data."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.blocks import ids
from bot.db.models import Base, BragEntry, Member, NudgeDelivery, StuckSession
from bot.listeners.commands.coach import SUBCOMMANDS, parse_coach_text
from bot.services import brag
from bot.services.members import enroll
from tests.support.bots import RunningBot
from tests.support.brag import buttons, count, open_home, opened_view, published_home, quick_win, win_values
from tests.support.driver import block_texts

# -- help and dispatch -----------------------------------------------------------------------------


def test_parse_coach_text() -> None:
    assert parse_coach_text("") == ("", "")
    assert parse_coach_text("  Export  ") == ("export", "")
    assert parse_coach_text("manager <@U123|sam>") == ("manager", "<@U123|sam>")
    assert parse_coach_text("digest   <#C1|team> weekly") == ("digest", "<#C1|team> weekly")


@pytest.mark.parametrize("text", ["", "help", "?"])
def test_help_lists_every_subcommand_from_the_table(bot: RunningBot, text: str) -> None:
    bot.slack.command("/coach", text)
    shown = block_texts(bot.slack.responses()[0])
    for subcommand in SUBCOMMANDS.values():
        assert f"`/coach {subcommand.usage}`" in shown
    assert "`/coach manager @someone`" in shown and "`/coach digest #channel`" in shown


def test_unknown_subcommand_gets_usage_and_is_escaped_once(bot: RunningBot) -> None:
    # /coach has should_escape on: Slack sends "<" as "&lt;".
    bot.slack.command("/coach", "&lt;!here&gt;&amp;co")
    shown = block_texts(bot.slack.responses()[0])
    assert "I don't know `/coach &lt;!here&gt;&amp;co`" in shown
    assert "<!here>" not in shown and "&amp;lt;" not in shown
    assert "`/coach export`" in shown


def test_coach_settings_opens_the_settings_modal(bot: RunningBot) -> None:
    before = count(bot.fake, "views.open")
    bot.slack.command("/coach", "settings", response_name="settings")
    view = opened_view(bot, before, trigger="trigger-settings")
    assert view["callback_id"] == ids.SETTINGS_MODAL


# -- export ------------------------------------------------------------------------------------------


def uploads_by_name(bot: RunningBot) -> dict[str, str]:
    """Uploaded file contents keyed by filename (URLs are asked for in the order files are completed)."""
    [complete] = bot.fake.calls_to("files.completeUploadExternal")
    files = complete.params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    url_calls = bot.fake.calls_to("files.getUploadURLExternal")
    return {
        call.params["filename"]: bot.fake.uploads[file["id"]].decode()
        for call, file in zip(url_calls, files, strict=True)
    }


def test_export_delivers_markdown_and_json_to_the_dm(bot: RunningBot) -> None:
    bot.slack.click(ids.STAGE_SET_MINE, "1")
    bot.slack.responses()
    criterion = bot.deps.content.stage(1).exit_criteria[0]
    wins = ["Onboarded two new hires", "Cut CI time in half", "Wrote the <on-call> guide & checklist"]
    quick_win(bot, wins[0])
    quick_win(bot, wins[1])
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL)
    view = opened_view(bot, before)
    bot.slack.submit_view(
        view,
        win_values(what=wins[2], impact="Pages down 30%", link="https://wiki.example/oncall", evidence=[criterion.key]),
    )
    quick_win(bot, "Someone else's win", user="U0002")

    bot.slack.command("/coach", "export", response_name="export")
    responses = bot.slack.responses("export", count=2)
    assert "arrive in our DM" in block_texts(responses[0])
    assert "Sent" in block_texts(responses[1]) and responses[1]["replace_original"] is True

    [opened] = bot.fake.calls_to("conversations.open")
    assert opened.params["users"] == "U0001"
    [complete] = bot.fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D0001"
    assert "3 wins" in complete.params["initial_comment"]
    files = uploads_by_name(bot)
    [markdown_name] = [n for n in files if n.endswith(".md")]
    [json_name] = [n for n in files if n.endswith(".json")]
    markdown = files[markdown_name]
    for win in wins:
        assert win in markdown
    assert "Someone else's win" not in markdown
    assert "## By month" in markdown and "## By exit criterion and growth tactic" in markdown
    assert f"#### ✓ {criterion.text}" in markdown and "### Other wins" in markdown
    assert "Why it mattered: Pages down 30%" in markdown and "Link: https://wiki.example/oncall" in markdown

    data = json.loads(files[json_name])
    assert data["slack_user_id"] == "U0001" and data["member"]["stage"] == 1
    assert sorted(e["what"] for e in data["brag_entries"]) == sorted(wins)
    [tagged] = [e for e in data["brag_entries"] if e["evidence"]]
    assert tagged["evidence"] == [criterion.key]


def test_export_failure_is_answered_and_nothing_is_lost(bot: RunningBot) -> None:
    quick_win(bot, "Still here")
    bot.fake.error_next("files.completeUploadExternal", "not_allowed_token_type")
    bot.slack.command("/coach", "export", response_name="export-fail")
    responses = bot.slack.responses("export-fail", count=2)
    assert "couldn't deliver your export" in block_texts(responses[1])
    with bot.db.transaction() as session:
        assert session.scalars(select(BragEntry.what)).all() == ["Still here"]


# -- delete-my-data -------------------------------------------------------------------------------


def rows_about(bot: RunningBot, member_id: int, user_id: str) -> dict[str, list[Any]]:
    """Every row in every table that holds the member's id or the Slack user id in any column."""
    found: dict[str, list[Any]] = {}
    with bot.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                values = row._mapping
                hit = any(v == user_id for v in values.values())
                hit = hit or values.get("member_id") == member_id
                hit = hit or (table.name == "members" and values.get("id") == member_id)
                if table.name == "brag_evidence":
                    entry = connection.execute(
                        text("SELECT member_id FROM brag_entries WHERE id = :id"), {"id": values["entry_id"]}
                    ).scalar()
                    hit = hit or entry == member_id or entry is None
                if hit:
                    found.setdefault(table.name, []).append(dict(values))
    return found


def seed_everything(bot: RunningBot) -> tuple[int, int]:
    """U0001 with wins, evidence, a stuck session and ledger rows; U0002 linked to U0001 as manager."""
    quick_win(bot, "Mine to delete")
    quick_win(bot, "Theirs to keep", user="U0002")
    now = bot.clock()
    with bot.db.transaction() as session:
        me = session.scalars(select(Member).where(Member.slack_user_id == "U0001")).one()
        other = session.scalars(select(Member).where(Member.slack_user_id == "U0002")).one()
        brag.create_entry(
            session, bot.deps.content, me, brag.WinInput("Tagged", evidence_keys=["t-ask-for-feedback"]), now=now
        )
        brag.create_entry(
            session, bot.deps.content, other, brag.WinInput("Thanked by U0001"), now=now, credited_user_id="U0001"
        )
        other.manager_slack_user_id = "U0001"
        other.manager_linked_at = now
        session.add(
            StuckSession(member_id=me.id, what="flaky test", started_at=now, nudge_due_at=now + timedelta(minutes=30))
        )
        for kind, member_id, recipient, period in [
            ("weekly_prompt", me.id, "U0001", "2026-W47"),
            ("manager_linked", other.id, "U0001", "link-1"),
            ("weekly_prompt", other.id, "U0002", "2026-W47"),
        ]:
            session.add(
                NudgeDelivery(
                    workspace_id=me.workspace_id,
                    member_id=member_id,
                    kind=kind,
                    recipient_id=recipient,
                    period_key=period,
                    due_at=now,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        return me.id, other.id


def test_delete_my_data_asks_first_and_cancel_keeps_everything(bot: RunningBot) -> None:
    my_id, _ = seed_everything(bot)
    bot.slack.command("/coach", "delete-my-data", response_name="ask")
    question = bot.slack.responses("ask")[0]
    text_shown = block_texts(question)
    assert "Delete everything Stagecoach holds about you in this workspace?" in text_shown
    assert "2 wins" in text_shown and "1 stuck timer" in text_shown and "2 reminder records" in text_shown
    [confirm] = [b for b in buttons(question) if b["action_id"] == ids.DELETE_MY_DATA_CONFIRM]
    assert confirm["style"] == "danger" and "confirm" in confirm and confirm["value"] == str(my_id)

    bot.slack.click(ids.DELETE_MY_DATA_CANCEL, response_name="cancel")
    assert "Nothing was deleted" in block_texts(bot.slack.responses("cancel")[0])
    assert rows_about(bot, my_id, "U0001")["brag_entries"]


def test_delete_my_data_leaves_nothing_behind(bot: RunningBot) -> None:
    my_id, other_id = seed_everything(bot)
    assert set(rows_about(bot, my_id, "U0001")) >= {"members", "brag_entries", "brag_evidence", "stuck_sessions"}

    # Someone else clicking a copy of my confirm button deletes nothing.
    bot.slack.click(ids.DELETE_MY_DATA_CONFIRM, str(my_id), user="U0002", response_name="not-mine")
    assert "nothing was deleted" in block_texts(bot.slack.responses("not-mine")[0])
    assert rows_about(bot, other_id, "U0002")["members"]
    assert rows_about(bot, my_id, "U0001")["members"]

    before = count(bot.fake, "views.publish")
    bot.slack.click(ids.DELETE_MY_DATA_CONFIRM, str(my_id), response_name="confirm")
    done = bot.slack.responses("confirm")[0]
    assert done["replace_original"] is True and "I hold nothing about you now" in block_texts(done)
    home = published_home(bot.fake, "U0001", before)
    assert "Your data was deleted" in block_texts(home)

    assert rows_about(bot, my_id, "U0001") == {}
    with bot.db.transaction() as session:
        other = session.get(Member, other_id)
        assert other is not None and other.manager_slack_user_id is None and other.manager_linked_at is None
        assert sorted(session.scalars(select(BragEntry.what))) == ["Thanked by U0001", "Theirs to keep"]
        assert session.scalars(select(NudgeDelivery.recipient_id)).all() == ["U0002"]
    assert "Theirs to keep" in block_texts(open_home(bot, "U0002"))


def test_using_the_bot_after_deletion_starts_fresh(bot: RunningBot) -> None:
    quick_win(bot, "Old win")
    with bot.db.transaction() as session:
        member = enroll(session, "T0001", "U0001", bot.clock())
        member_id = member.id
    before = count(bot.fake, "views.publish")
    bot.slack.click(ids.DELETE_MY_DATA_CONFIRM, str(member_id), response_name="gone")
    bot.slack.responses("gone")
    assert "Your data was deleted" in block_texts(published_home(bot.fake, "U0001", before))
    # A second click on the same button neither deletes nor creates anything.
    bot.slack.click(ids.DELETE_MY_DATA_CONFIRM, str(member_id), response_name="again")
    assert "nothing to delete" in block_texts(bot.slack.responses("again")[0])
    with bot.db.transaction() as session:
        assert session.scalars(select(Member)).all() == []
    home = open_home(bot)
    assert "Old win" not in block_texts(home) and "No wins yet" in block_texts(home)

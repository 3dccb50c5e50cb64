"""Writing to the bot over signed HTTP: DMs become wins with suggested evidence, prompt replies answer
the prompt, bullets split, greetings don't save, edits and deletions follow, evidence buttons count."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.limits import message_problems, view_problems
from bot.db.models import NudgeKind
from bot.services import prompts
from bot.slack.registrar import drain
from tests.support.bots import RunningBot
from tests.support.brag import count, entries, open_home, published_home
from tests.support.driver import block_texts
from tests.support.nudges import action_ids, enroll, ledger_rows, tick, utc
from tests.support.payloads import wait_until_done
from tests.support.surfaces import fallback_problems

USER = "U0001"
CHANNEL = "D0001"
_ts = itertools.count(1)


def next_ts() -> str:
    return f"1796000000.{next(_ts):06d}"


def send(bot: RunningBot, event: dict[str, Any], event_id: str | None = None, *, handled: bool = True) -> None:
    """Deliver an event and wait until the bot is done with it (``wait_until_done``)."""
    event_id = event_id or f"Ev{next(_ts):08d}"
    assert bot.slack.event(event, event_id=event_id).status == 200
    wait_until_done(bot, event_id, handled=handled)


def dm(bot: RunningBot, text: str, *, user: str = USER, ts: str | None = None, **extra: Any) -> str:
    ts = ts or next_ts()
    event = {"type": "message", "channel": CHANNEL, "channel_type": "im", "user": user, "text": text, "ts": ts}
    send(bot, {**event, **extra})
    return ts


def posted(bot: RunningBot) -> list[dict[str, Any]]:
    """chat.postMessage params, blocks decoded."""
    out = []
    for call in bot.fake.calls_to("chat.postMessage"):
        params = dict(call.params)
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        out.append(params)
    return out


def home_line(home: dict[str, Any], criterion_text: str) -> str:
    marks = (":white_circle:", ":white_check_mark:")
    [line] = [line for line in block_texts(home).splitlines() if criterion_text in line and line.startswith(marks)]
    return line


def test_a_dm_becomes_a_private_win_with_suggestions_and_four_buttons(bot: RunningBot) -> None:
    enroll(bot.db, USER, stage=2)
    ts = dm(bot, "debugged the timeout across the gateway and billing services")
    [entry] = entries(bot)
    assert entry.what == "debugged the timeout across the gateway and billing services"
    assert entry.source == "dm" and entry.visibility == "private"
    assert entry.slack_channel_id == CHANNEL and entry.slack_ts == ts
    assert 1 <= len(entry.suggested_keys) <= 2 and entry.evidence_keys == []
    [answer] = posted(bot)
    assert answer["channel"] == CHANNEL and answer["thread_ts"] == ts
    assert message_problems({"text": answer["text"], "blocks": answer["blocks"]}) == []
    # A receipt: at most one "Looks like: X [Yes]", [Add detail] [Undo] and the rest in one overflow menu.
    card_ids = [
        e["action_id"]
        for b in answer["blocks"]
        if b.get("type") == "actions" and str(b.get("block_id", "")).startswith(ids.WIN_CARD_BLOCK_PREFIX)
        for e in b["elements"]
    ]
    assert card_ids == [ids.WIN_ADD_DETAIL, ids.WIN_UNDO, ids.WIN_CARD_MORE]
    confirms = [
        b["accessory"]["value"]
        for b in answer["blocks"]
        if str(b.get("block_id", "")).startswith(ids.WIN_SUGGESTION_BLOCK_PREFIX)
    ]
    assert confirms == [f"{entry.id}:{entry.suggested_keys[0]}"]
    assert action_ids(answer) == [ids.WIN_EVIDENCE_CONFIRM, *card_ids]
    text = block_texts(answer)
    assert text.count("Looks like:") == 1 and "Only you can see it" in text
    assert "Not tagged" not in text and "matches no item" not in text
    label = bot.deps.content.evidence_label(entry.suggested_keys[0])
    assert label is not None and label in text


def test_default_visibility_applies_and_user_text_is_escaped(bot: RunningBot) -> None:
    enroll(bot.db, USER, stage=1, default_visibility="manager")
    dm(bot, "fixed <script> &amp; the <!channel> bug")
    [entry] = entries(bot)
    # Slack's <!channel> is stored as the "@channel" a person reads; a "<" Slack did not escape stays text.
    assert entry.visibility == "manager" and entry.what == "fixed <script> & the @channel bug"
    [answer] = posted(bot)
    shown = json.dumps(answer["blocks"])
    assert "<script>" not in shown and "<!channel>" not in shown and "&lt;script&gt;" in shown


def test_three_bullet_lines_become_three_wins(bot: RunningBot) -> None:
    enroll(bot.db, USER, stage=1)
    dm(bot, "This week:\n- fixed the login bug\n• reviewed four PRs\n* wrote the onboarding guide for new hires")
    assert [e.what for e in entries(bot)] == [
        "fixed the login bug",
        "reviewed four PRs",
        "wrote the onboarding guide for new hires",
    ]
    [answer] = posted(bot)
    assert action_ids(answer).count(ids.WIN_UNDO) == 3
    assert message_problems({"text": answer["text"], "blocks": answer["blocks"]}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hi", "Tell me something you did"), ("help", "Write your wins to me"), ("how do I export?", "question")],
)
def test_greetings_help_and_questions_get_an_answer_not_a_win(bot: RunningBot, text: str, expected: str) -> None:
    ts = dm(bot, text)
    assert entries(bot) == []
    [answer] = posted(bot)
    assert expected in block_texts(answer) and answer.get("thread_ts") in (None, "")
    assert answer["channel"] == CHANNEL and ts


def test_an_edited_dm_updates_its_win(bot: RunningBot) -> None:
    enroll(bot.db, USER, stage=1)
    ts = dm(bot, "fixed the bug")
    before = entries(bot)[0]
    edited = {"user": USER, "text": "used git bisect to find the crash in the image resizer", "ts": ts}
    send(
        bot,
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": CHANNEL,
            "channel_type": "im",
            "ts": next_ts(),
            "message": {**edited, "edited": {"user": USER, "ts": next_ts()}},
            "previous_message": {"user": USER, "text": "fixed the bug", "ts": ts},
        },
    )
    [after] = entries(bot)
    assert after.id == before.id and after.what == edited["text"]
    assert "s1-debug-systematically" in after.suggested_keys
    assert "updated its wins" in block_texts(posted(bot)[-1])


def test_a_deleted_dm_asks_before_removing_its_win(bot: RunningBot) -> None:
    ts = dm(bot, "fixed the flaky checkout test")
    deleted = {"type": "message", "subtype": "message_deleted", "channel": CHANNEL, "channel_type": "im"}
    send(bot, {**deleted, "ts": next_ts(), "deleted_ts": ts, "previous_message": {"user": USER, "text": "x", "ts": ts}})
    [entry] = entries(bot)  # not removed yet
    question = posted(bot)[-1]
    assert ids.WIN_REMOVE_DELETED in action_ids(question) and ids.WIN_KEEP_DELETED in action_ids(question)
    bot.slack.click(ids.WIN_REMOVE_DELETED, str(entry.id), user="U0002")  # not theirs: nothing happens
    assert drain() and len(entries(bot)) == 1
    bot.slack.click(ids.WIN_REMOVE_DELETED, str(entry.id))
    assert "Removed 1 win" in block_texts(bot.slack.responses()[0])
    assert entries(bot) == []


@pytest.mark.parametrize(
    "event",
    [
        {"user": "UBOT", "bot_id": "B0001", "text": "Saved to your brag document."},  # the bot's own reply
        {"subtype": "bot_message", "bot_id": "B0999", "text": "deploy finished"},  # another app
        {"user": "U0002", "text": "shipped it", "channel": "C0001", "channel_type": "channel"},  # a channel
        {"user": "U0002", "text": "shipped it", "channel": "G0001", "channel_type": "group"},
        {"user": USER, "subtype": "channel_join", "text": "joined"},
    ],
)
def test_bot_messages_channel_messages_and_other_subtypes_create_nothing(
    bot: RunningBot, event: dict[str, Any]
) -> None:
    send(bot, {"type": "message", "channel": CHANNEL, "channel_type": "im", "ts": next_ts(), **event}, handled=False)
    assert entries(bot) == []
    assert posted(bot) == []


def test_a_retried_event_saves_once(bot: RunningBot) -> None:
    event = {"type": "message", "channel": CHANNEL, "channel_type": "im", "user": USER, "ts": next_ts()}
    event["text"] = "shipped the export"
    send(bot, event, event_id="EvSAME")
    send(bot, event, event_id="EvSAME", handled=False)  # the retry: dropped
    assert len(entries(bot)) == 1 and len(posted(bot)) == 1


def test_a_thread_reply_to_the_weekly_prompt_is_a_win_and_answers_that_prompt(bot: RunningBot) -> None:
    enroll(bot.db, USER, "America/New_York", stage=1)
    tick(bot.deps, utc(2026, 11, 20, 21, 0))
    [row] = ledger_rows(bot.db, NudgeKind.WEEKLY_PROMPT.value)
    assert row.message_ts and row.channel_id and not prompts.is_answered(row)
    prompt_blocks = posted(bot)[0]["blocks"]
    assert "This week's gap" in json.dumps(prompt_blocks)
    reply_ts = dm(bot, "Estimated the export at 3 days and it took 3", thread_ts=row.message_ts)
    [entry] = entries(bot)
    assert entry.source == "prompt_reply" and entry.slack_ts == reply_ts
    [row] = ledger_rows(bot.db, NudgeKind.WEEKLY_PROMPT.value)
    assert row.answer == prompts.WIN_RECORDED and prompts.is_answered(row)
    answer = posted(bot)[-1]
    assert answer["thread_ts"] == row.message_ts
    assert "answers this week's check-in" in block_texts(answer)


def test_a_thread_reply_elsewhere_is_a_win_but_answers_no_prompt(bot: RunningBot) -> None:
    enroll(bot.db, USER, "America/New_York", stage=1)
    tick(bot.deps, utc(2026, 11, 20, 21, 0))
    dm(bot, "paired with the intern on the importer", thread_ts="1796000000.999999")
    [entry] = entries(bot)
    assert entry.source == "dm"
    [row] = ledger_rows(bot.db, NudgeKind.WEEKLY_PROMPT.value)
    assert not prompts.is_answered(row)


def change_evidence(bot: RunningBot, entry_id: int, keys: list[str]) -> dict[str, Any]:
    """Pick "Change evidence…" in the card's menu, pick ``keys`` in the modal, submit; the redrawn card."""
    from tests.support.brag import opened_view

    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_CARD_MORE, selected=f"evidence:{entry_id}", response_name="card")
    view = opened_view(bot, before)
    assert view["callback_id"] == ids.EVIDENCE_MODAL and view_problems(view) == []
    values = {
        ids.EVIDENCE_PICK_BLOCK: {
            ids.EVIDENCE_INPUT: {"type": "multi_static_select", "selected_options": [{"value": k} for k in keys]}
        }
    }
    assert bot.slack.submit_view(view, values).status == 200
    [card] = bot.fake.wait_for_response("card")
    return card


def test_the_evidence_buttons_change_what_home_counts(bot: RunningBot) -> None:
    enroll(bot.db, USER, stage=1)
    content = bot.deps.content
    debug = content.criterion("s1-debug-systematically")
    onboard = content.criterion("s1-help-onboard")
    assert debug is not None and onboard is not None
    dm(bot, "used git bisect and a minimal repro to find the crash in the importer")
    [entry] = entries(bot)
    assert debug.key in entry.suggested_keys
    assert home_line(open_home(bot), debug.text).startswith(":white_circle:")  # suggestions don't count

    before = count(bot.fake, "views.publish")
    bot.slack.click(ids.WIN_EVIDENCE_CONFIRM, f"{entry.id}:{debug.key}")
    card = bot.slack.responses()[0]
    assert card["replace_original"] is True and ids.WIN_EVIDENCE_CONFIRM not in action_ids(card)
    home = published_home(bot.fake, USER, before)
    assert home_line(home, debug.text).startswith(":white_check_mark:")
    assert entries(bot)[0].evidence_keys == [debug.key] and entries(bot)[0].suggested_keys == []

    before = count(bot.fake, "views.publish")
    card = change_evidence(bot, entry.id, [onboard.key])
    assert card["replace_original"] is True and onboard.text in block_texts(card)
    home = published_home(bot.fake, USER, before)
    assert home_line(home, debug.text).startswith(":white_circle:")
    assert home_line(home, onboard.text).startswith(":white_check_mark:")
    assert entries(bot)[0].evidence_keys == [onboard.key]

    bot.slack.click(ids.WIN_UNDO, str(entry.id), user="U0002")  # someone else's click changes nothing
    assert drain() and len(entries(bot)) == 1
    bot.slack.click(ids.WIN_UNDO, str(entry.id))
    assert "Undone" in block_texts(bot.slack.responses()[0])
    assert entries(bot) == []
    assert home_line(open_home(bot), onboard.text).startswith(":white_circle:")


def test_win_command_and_add_detail_carry_the_suggestions(bot: RunningBot) -> None:
    from tests.support.brag import win_values

    enroll(bot.db, USER, stage=1)
    bot.slack.command(ids.CMD_WIN, "walked the new hire through our deploy pipeline")
    answer = bot.slack.responses()[0]
    [entry] = entries(bot)
    assert "s1-help-onboard" in entry.suggested_keys
    assert ids.WIN_EVIDENCE_CONFIRM in action_ids(answer)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_ADD_DETAIL, str(entry.id))
    [call] = bot.fake.wait_for("views.open", before + 1)[before:]
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    evidence = next(b for b in view["blocks"] if b.get("block_id") == ids.WIN_EVIDENCE_BLOCK)
    # The suggestion is named in the hint, never preselected: saving the form confirms only what is picked.
    assert "initial_options" not in evidence["element"]
    assert "Help onboard" in evidence["hint"]["text"]
    values = win_values(what="walked the new hire through our deploy pipeline", impact="she shipped on day two")
    assert bot.slack.submit_view(view, values).status == 200
    [saved] = entries(bot)
    assert saved.impact == "she shipped on day two"  # saved before the ack
    assert saved.evidence_keys == [] and "s1-help-onboard" in saved.suggested_keys


# -- /coach wins and Home paging ------------------------------------------------------------------


def _seed_wins(bot: RunningBot) -> None:
    from bot.services import brag
    from bot.services.members import enroll as enroll_member

    with bot.db.transaction() as session:
        me = enroll_member(session, "T0001", USER, datetime(2025, 1, 1, tzinfo=UTC))
        other = enroll_member(session, "T0001", "U0002", datetime(2025, 1, 1, tzinfo=UTC))
        for what, day in [
            ("Fixed the retry storm in billing", datetime(2025, 12, 15, tzinfo=UTC)),
            ("Shipped retry budgets for the importer", datetime(2026, 2, 1, tzinfo=UTC)),
            ("Wrote the on-call runbook", datetime(2026, 3, 1, tzinfo=UTC)),
            ("100% <done> & dusted", datetime(2026, 3, 2, tzinfo=UTC)),
        ]:
            brag.create_entry(session, bot.deps.content, me, brag.WinInput(what), now=day)
        brag.create_entry(
            session,
            bot.deps.content,
            other,
            brag.WinInput("Someone else's retry work"),
            now=datetime(2026, 2, 2, tzinfo=UTC),
        )


def _coach_wins(bot: RunningBot, args: str) -> dict[str, Any]:
    bot.slack.command(ids.CMD_COACH, f"wins {args}")
    return bot.slack.responses()[0]


def test_coach_wins_since_a_date_lists_exactly_my_matching_wins(bot: RunningBot) -> None:
    _seed_wins(bot)
    bot.clock.set(datetime(2026, 3, 10, tzinfo=UTC))
    text = block_texts(_coach_wins(bot, "since 2026-01-01"))
    assert "Shipped retry budgets" in text and "on-call runbook" in text and "dusted" in text
    assert "retry storm" not in text and "Someone else" not in text
    assert "(1–3 of 3)" in text


def test_coach_wins_text_search_matches_only_my_wins_and_escapes(bot: RunningBot) -> None:
    _seed_wins(bot)
    payload = _coach_wins(bot, "retry")
    text = block_texts(payload)
    assert "retry storm" in text and "retry budgets" in text and "Someone else" not in text
    assert "runbook" not in text and "(1–2 of 2)" in text
    escaped = block_texts(_coach_wins(bot, "&lt;done&gt;"))  # /coach text arrives escaped by Slack
    assert "&lt;done&gt; &amp; dusted" in escaped and "<done>" not in escaped
    assert "No wins" in block_texts(_coach_wins(bot, "nonexistentword"))
    assert "YYYY-MM-DD" in block_texts(_coach_wins(bot, "since 2026-13-45"))


def test_coach_wins_pages_and_periods(bot: RunningBot) -> None:
    from bot.services import brag
    from bot.services.members import enroll as enroll_member

    with bot.db.transaction() as session:
        me = enroll_member(session, "T0001", USER, datetime(2026, 1, 1, tzinfo=UTC))
        start = datetime(2026, 10, 1, 12, tzinfo=UTC)
        for index in range(25):
            brag.create_entry(
                session, bot.deps.content, me, brag.WinInput(f"win {index:02d}"), now=start + timedelta(days=index)
            )
        brag.create_entry(session, bot.deps.content, me, brag.WinInput("old one"), now=datetime(2026, 6, 1, tzinfo=UTC))
    bot.clock.set(datetime(2026, 11, 30, 12, tzinfo=UTC))
    first = _coach_wins(bot, "this quarter")
    assert "(1–10 of 25)" in block_texts(first) and "win 24" in block_texts(first)
    assert message_problems(first) == []
    [older] = [e for b in first["blocks"] if b.get("type") == "actions" for e in b["elements"]]
    bot.slack.click(ids.WINS_PAGE, older["value"])
    second = bot.slack.responses()[0]
    assert "(11–20 of 25)" in block_texts(second) and second["replace_original"] is True
    assert "(1–26 of 26)" not in block_texts(_coach_wins(bot, "last 90 days"))
    assert "of 25)" in block_texts(_coach_wins(bot, "last 90 days"))


def test_home_pages_through_all_wins(bot: RunningBot) -> None:
    from bot.services import brag
    from bot.services.members import enroll as enroll_member

    with bot.db.transaction() as session:
        me = enroll_member(session, "T0001", USER, datetime(2026, 1, 1, tzinfo=UTC))
        for index in range(23):
            brag.create_entry(
                session,
                bot.deps.content,
                me,
                brag.WinInput(f"win {index:02d}"),
                now=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=index),
            )
    home = open_home(bot)
    assert "Wins 1–10 of 23" in block_texts(home)
    before = count(bot.fake, "views.publish")
    bot.slack.click(ids.HOME_WINS_PAGE, "2", view={"type": "home", "id": "VHOME"})
    last = published_home(bot.fake, USER, before)
    text = block_texts(last)
    assert "Wins 21–23 of 23" in text and "win 00" in text and "win 22" not in text
    assert view_problems(last) == []
    assert ids.HOME_WINS_PAGE in action_ids(last)  # "Newer" back to page 2


def test_a_modal_win_saved_without_evidence_gets_suggestions_and_a_one_tap_confirm(bot: RunningBot) -> None:
    from tests.support.brag import opened_view, view_of, win_values

    enroll(bot.db, USER, stage=1)
    before = count(bot.fake, "views.open")
    bot.slack.command(ids.CMD_WIN, "", response_name="bare-modal")
    view = opened_view(bot, before, trigger="trigger-bare-modal")
    reply = bot.slack.submit_view(view, win_values(what="Used git bisect and logs to debug the flaky importer"))
    saved_view = reply.json()["view"]
    assert ids.WIN_EVIDENCE_CONFIRM in action_ids(saved_view)
    [entry] = entries(bot)
    assert "s1-debug-systematically" in entry.suggested_keys and entry.source == "modal"
    before = count(bot.fake, "views.update")
    bot.slack.click(
        ids.WIN_EVIDENCE_CONFIRM, f"{entry.id}:s1-debug-systematically", view={**saved_view, "id": "VSAVED"}
    )
    [call] = bot.fake.wait_for("views.update", before + 1)[before:]
    assert call.params["view_id"] == "VSAVED"
    assert ids.WIN_EVIDENCE_CONFIRM not in action_ids(view_of(call))
    assert "s1-debug-systematically" in entries(bot)[0].evidence_keys


def test_save_as_win_preselects_nothing_and_a_thank_you_counts_for_nothing(bot: RunningBot) -> None:
    from tests.support.brag import opened_view, win_values

    enroll(bot.db, USER, stage=1)
    message = {"type": "message", "user": "U0THANKS", "ts": "1700000000.000300"}
    message["text"] = "Thanks for onboarding our new hire and walking her through the setup guide!"
    before = count(bot.fake, "views.open")
    bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message, channel="C0TEAM")
    view = opened_view(bot, before)
    evidence = next(b for b in view["blocks"] if b.get("block_id") == ids.WIN_EVIDENCE_BLOCK)
    assert "initial_options" not in evidence["element"]
    assert "Help onboard" in evidence["hint"]["text"]
    reply = bot.slack.submit_view(view, win_values(what=message["text"]))
    assert reply.status == 200
    [entry] = entries(bot)
    assert entry.evidence_keys == [] and "s1-help-onboard" in entry.suggested_keys
    assert home_line(open_home(bot), "Help onboard").startswith(":white_circle:")  # counts for nothing yet


def test_a_win_saved_from_the_prompts_button_answers_that_prompt(bot: RunningBot) -> None:
    from tests.support.brag import opened_view, win_values

    enroll(bot.db, USER, "America/New_York", stage=1)
    tick(bot.deps, utc(2026, 11, 20, 21, 0))
    [row] = ledger_rows(bot.db, NudgeKind.WEEKLY_PROMPT.value)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.PROMPT_RECORD_WIN, str(row.id), response_name="from-prompt")
    view = opened_view(bot, before, trigger="trigger-from-prompt")
    assert json.loads(view["private_metadata"])["prompt"] == row.id
    assert bot.slack.submit_view(view, win_values(what="Estimated the importer at 3 days; took 3")).status == 200
    [row] = ledger_rows(bot.db, NudgeKind.WEEKLY_PROMPT.value)
    assert prompts.is_answered(row)
    # Someone else's prompt id in a forged modal answers nothing and still saves their win.
    other = enroll(bot.db, "U0002", "America/New_York")
    assert other
    forged = {**view, "private_metadata": json.dumps({"entry": None, "source": "modal", "credit": None, "prompt": 999})}
    assert bot.slack.submit_view(forged, win_values(what="another win"), user="U0002").status == 200
    assert len(entries(bot)) == 2


def test_a_product_question_is_answered_with_how_things_work(bot: RunningBot) -> None:
    enroll(bot.db, USER, stage=2)
    dm(bot, "how do I share a win with my manager?")
    [answer] = posted(bot)
    text = block_texts(answer)
    assert entries(bot) == []
    assert "/coach manager @them" in text and "pick who sees each win" in text
    assert "search engine" not in text
    assert fallback_problems(answer["text"]) == []

"""Every brag, Home, settings and /coach builder stays within Block Kit's limits and escapes user text."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.brag import (
    not_your_entry_message,
    problem_message,
    win_saved_view,
    win_too_long_message,
    win_usage_message,
)
from bot.blocks.capture import capture_message
from bot.blocks.coach import (
    coach_help_message,
    data_deleted_message,
    delete_cancelled_message,
    delete_confirmation_message,
    delete_refused_message,
    export_failed_message,
    export_sent_message,
    export_started_message,
    nothing_to_delete_message,
)
from bot.blocks.home import MAX_HOME_WINS, home_deleted_view, home_view
from bot.blocks.limits import message_problems, view_problems
from bot.blocks.settings import settings_modal
from bot.blocks.text import truncate
from bot.blocks.win_form import NO_SUCH_ENTRY, WinDraft, WinMetadata, decode_metadata, evidence_groups, win_modal
from bot.db.models import EntrySource, Visibility
from bot.services.account import DataSummary, DeletionReport
from bot.services.brag import MAX_EVIDENCE, MAX_WHAT, EntrySummary
from bot.services.home import HomeSnapshot, next_step
from bot.services.progress import stage_progress
from bot.services.settings import COMMON_TIMEZONES, MemberSettings
from content import Content
from tests.support.driver import block_texts

NASTY = "<!channel> <@U0BOSS> & <https://evil.example|click> " + "x" * 3000

SETTINGS = MemberSettings(
    stage=2,
    default_visibility=Visibility.PRIVATE,
    prompt_weekday=4,
    prompt_minute=960,
    timezone="America/New_York",
    timezone_from_slack=True,
    weekly_prompt_enabled=True,
    stuck_nudges_enabled=True,
    review_reminders_enabled=False,
)


def entry(index: int = 1, **changes: Any) -> EntrySummary:
    base = EntrySummary(
        id=index,
        what=f"Win {index}",
        impact=None,
        lesson=None,
        link=None,
        visibility=Visibility.PRIVATE,
        source=EntrySource.COMMAND,
        credited_user_id=None,
        created_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=index),
        updated_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=index),
        evidence_keys=(),
    )
    return replace(base, **changes)


def nasty_entry(content: Content, index: int = 1) -> EntrySummary:
    every_key = (*[c.key for s in content.stages for c in s.exit_criteria][:8], "t-ask-for-feedback")
    return entry(
        index,
        what=NASTY,
        impact=NASTY,
        lesson=NASTY,
        link="https://x.example/a|b>c&d",
        visibility=Visibility.MANAGER,
        credited_user_id="U0THANKS",
        evidence_keys=every_key,
    )


def visible(payload: dict[str, Any]) -> str:
    return block_texts(payload)


def assert_escaped(text: str) -> None:
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<https://evil" not in text


# -- the win modal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [None, 1, 2, 3, 4, 5])
def test_win_modal_fits_for_every_stage(content: Content, stage: int | None) -> None:
    view = win_modal(content, stage, WinDraft(), WinMetadata())
    assert view_problems(view) == []
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [
        ids.WIN_WHAT_BLOCK,
        ids.WIN_IMPACT_BLOCK,
        ids.WIN_LESSON_BLOCK,
        ids.WIN_LINK_BLOCK,
        ids.WIN_EVIDENCE_BLOCK,
        ids.WIN_SIGNAL_BLOCK,
        ids.WIN_VISIBILITY_BLOCK,
    ]
    for block in inputs[:4]:
        assert block["element"]["max_length"] > 0
    evidence = inputs[4]["element"]
    assert evidence["max_selected_items"] == MAX_EVIDENCE
    total = sum(len(g["options"]) for g in evidence["option_groups"])
    assert total <= 100
    if stage is not None:
        assert evidence["option_groups"][0]["label"]["text"] == f"Stage {stage} exit criteria"
        assert [o["value"] for o in evidence["option_groups"][0]["options"]] == [
            c.key for c in content.stage(stage).exit_criteria
        ]


def test_edit_modal_keeps_evidence_from_another_stage_selectable(content: Content) -> None:
    old_key = content.stage(5).exit_criteria[0].key
    draft = WinDraft(what=NASTY, evidence_keys=(old_key, "t-ask-for-feedback"), visibility=Visibility.MANAGER)
    view = win_modal(content, 1, draft, WinMetadata(entry_id=7, credited_user_id="U0THANKS"))
    assert view_problems(view) == []
    assert view["title"]["text"] == "Edit win"
    evidence = next(b for b in view["blocks"] if b.get("block_id") == ids.WIN_EVIDENCE_BLOCK)["element"]
    offered = [o for g in evidence["option_groups"] for o in g["options"]]
    for chosen in evidence["initial_options"]:
        assert chosen in offered
    assert evidence["option_groups"][-1]["label"]["text"] == "Already linked"
    what = next(b for b in view["blocks"] if b.get("block_id") == ids.WIN_WHAT_BLOCK)["element"]
    assert len(what["initial_value"]) <= MAX_WHAT
    assert "From <@U0THANKS>'s message" in visible(view)
    visibility = next(b for b in view["blocks"] if b.get("block_id") == ids.WIN_VISIBILITY_BLOCK)["element"]
    assert visibility["initial_option"]["value"] == "manager"


def test_evidence_group_labels_and_options_are_short_enough(content: Content) -> None:
    for group in evidence_groups(content, None):
        assert len(group["label"]["text"]) <= 75
        assert all(len(o["text"]["text"]) <= 75 for o in group["options"])


def test_metadata_round_trip_and_garbage(content: Content) -> None:
    meta = WinMetadata(entry_id=12, source=EntrySource.SHORTCUT, credited_user_id="U0THANKS")
    assert decode_metadata(meta.encode()) == meta
    assert len(meta.encode()) < 3000
    assert decode_metadata("not json") == WinMetadata()
    assert decode_metadata("[1, 2]") == WinMetadata()
    forged = json.dumps({"entry": True, "source": "admin", "credit": "<!channel>"})
    assert decode_metadata(forged) == WinMetadata()
    # An id that cannot name a row is an edit of nothing (answered "not yours"), never a new win.
    assert decode_metadata(json.dumps({"entry": -3})) == WinMetadata(entry_id=NO_SUCH_ENTRY)
    assert decode_metadata('{"entry": 99999999999999999999}') == WinMetadata(entry_id=NO_SUCH_ENTRY)


# -- answers ---------------------------------------------------------------------------------------


def test_saved_message_and_view_escape_and_fit(content: Content) -> None:
    saved = nasty_entry(content)
    message = capture_message(content, 2, [saved])  # what `/win <text>` answers with
    assert message_problems(message) == []
    assert_escaped(visible(message))
    assert "&lt;!channel&gt;" in visible(message)
    view = win_saved_view(content, saved)
    assert view_problems(view) == []
    assert_escaped(visible(view))


@pytest.mark.parametrize("length", [MAX_WHAT + 1, 10_000, 200_000])
def test_too_long_message_fits_and_gives_the_text_back(length: int) -> None:
    text = ("<&> word " * (length // 9 + 1))[:length]
    message = win_too_long_message(text)
    assert message_problems(message) == []
    assert_escaped(visible(message))
    echoed = "".join(
        b["text"]["text"][3:-3]
        for b in message["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("```")
    )
    escaped = text.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if length <= 100_000:
        assert echoed == escaped
    else:
        assert escaped.startswith(echoed) and "Only the first" in visible(message)


def test_small_messages_fit() -> None:
    for payload in (
        win_usage_message(),
        not_your_entry_message(),
        problem_message("x"),
        export_started_message(),
        export_sent_message(3),
        export_failed_message(),
        delete_cancelled_message(),
        delete_refused_message(),
        nothing_to_delete_message(),
    ):
        assert message_problems(payload) == []


# -- Home --------------------------------------------------------------------------------------


def snapshot(content: Content, stage: int | None, recent: list[EntrySummary], total: int) -> HomeSnapshot:
    progress = step = None
    if stage is not None:
        counts = {content.stage(stage).exit_criteria[0].key: 2}
        progress = stage_progress(content, stage, counts)
        step = next_step(content, progress, counts)
    return HomeSnapshot(
        settings=replace(SETTINGS, stage=stage),
        progress=progress,
        recent=recent,
        total_entries=total,
        next_step=step,
    )


@pytest.mark.parametrize("stage", [None, 1, 3, 5])
def test_home_with_many_nasty_wins_fits(content: Content, stage: int | None) -> None:
    wins = [nasty_entry(content, i) for i in range(100)]
    view = home_view(content, snapshot(content, stage, wins, 250))
    assert view_problems(view) == []
    text = visible(view)
    assert_escaped(text)
    assert sum(1 for b in view["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.WIN_DELETE) == (
        MAX_HOME_WINS
    )
    assert "`/coach export` has them all" in text
    assert "<https://x.example/a%7Cb&gt;c&amp;d|link>" in text


def test_home_delete_buttons_confirm_and_carry_entry_ids(content: Content) -> None:
    view = home_view(content, snapshot(content, 2, [entry(5, what="<b>bold</b> & co")], 1))
    deletes = [e for b in view["blocks"] for e in b.get("elements", []) if e.get("action_id") == ids.WIN_DELETE]
    [delete] = deletes
    assert delete["value"] == "5" and delete["style"] == "danger"
    assert (
        delete["confirm"]["text"]["text"]
        == "“&lt;b&gt;bold&lt;/b&gt; &amp; co” will be gone from your brag document for good."
    )


def test_home_empty_and_deleted_views_fit(content: Content) -> None:
    empty = home_view(content, snapshot(content, None, [], 0))
    assert view_problems(empty) == [] and "No wins yet" in visible(empty)
    assert view_problems(home_deleted_view()) == []


def test_home_when_every_criterion_has_evidence(content: Content) -> None:
    stage = content.stage(4)
    counts = {c.key: 1 for c in stage.exit_criteria}
    progress = stage_progress(content, 4, counts)
    snap = HomeSnapshot(
        settings=replace(SETTINGS, stage=4),
        progress=progress,
        recent=[entry()],
        total_entries=1,
        next_step=next_step(content, progress, counts),
    )
    text = visible(home_view(content, snap))
    assert "evidence for every exit criterion of Stage 4" in text and "Stage 5: Technical Executive" in text


# -- settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        SETTINGS,
        replace(SETTINGS, stage=None, timezone="Antarctica/Troll", timezone_from_slack=False),
        replace(SETTINGS, weekly_prompt_enabled=False, stuck_nudges_enabled=False, review_reminders_enabled=False),
    ],
)
def test_settings_modal_fits_and_shows_current_values(content: Content, settings: MemberSettings) -> None:
    view = settings_modal(content, settings)
    assert view_problems(view) == []
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    tz = blocks[ids.SETTINGS_TIMEZONE_BLOCK]["element"]
    assert len(tz["options"]) <= 100 and len(tz["options"]) >= len(COMMON_TIMEZONES)
    expected_tz = "slack" if settings.timezone_from_slack else settings.timezone
    assert tz["initial_option"]["value"] == expected_tz
    stage = blocks[ids.SETTINGS_STAGE_BLOCK]
    assert stage["optional"] is (settings.stage is None)
    assert ("initial_option" in stage["element"]) is (settings.stage is not None)
    nudges = blocks[ids.SETTINGS_OPT_OUTS_BLOCK]["element"]
    assert len(nudges.get("initial_options", [])) == sum(
        [settings.weekly_prompt_enabled, settings.stuck_nudges_enabled, settings.review_reminders_enabled]
    )
    assert blocks[ids.SETTINGS_PROMPT_TIME_BLOCK]["element"]["initial_time"] == "16:00"


# -- /coach ----------------------------------------------------------------------------------------


def test_coach_help_and_unknown_fit_and_escape() -> None:
    help_message = coach_help_message([("help", "this list"), ("export", "export")])
    assert message_problems(help_message) == []
    assert "`/coach export` — export" in visible(help_message)
    unknown = coach_help_message([("help", "this list")], unknown="<!everyone>")
    assert message_problems(unknown) == [] and "<!everyone>" not in visible(unknown)


def test_delete_messages_fit() -> None:
    ask = delete_confirmation_message(DataSummary(entries=1, stuck_sessions=0, deliveries=3), member_id=9)
    assert message_problems(ask) == []
    assert "1 win (your brag document)" in visible(ask) and "0 stuck timers" in visible(ask)
    confirm = next(
        e for b in ask["blocks"] for e in b.get("elements", []) if e["action_id"] == ids.DELETE_MY_DATA_CONFIRM
    )
    assert confirm["value"] == "9" and confirm["confirm"]["style"] == "danger"
    done = data_deleted_message(DeletionReport(1, 4, 1, 2, 0, 0))
    assert message_problems(done) == [] and "4 wins" in visible(done)


def test_a_cut_label_ends_on_a_whole_word() -> None:
    label = "Helped onboard a new teammate through pairing, reviews and their first on-call shift"
    cut = truncate(label, 48)
    assert cut == "Helped onboard a new teammate through pairing…" and len(cut) <= 48
    # One long word (a URL) is still cut where the limit falls, rather than losing it all.
    assert truncate("see https://example.com/" + "x" * 80, 40).startswith("see https://example.com/xxx")

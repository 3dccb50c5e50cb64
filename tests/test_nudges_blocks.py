"""The nudge builders stay inside Block Kit's limits with the longest input, and escape what people type."""

from __future__ import annotations

import json

import pytest

from bot.blocks.limits import message_problems, view_problems
from bot.blocks.nudges import (
    help_posted_message,
    help_request_modal,
    help_request_post,
    prompt_later_message,
    prompt_next_week_message,
    prompt_nothing_message,
    stuck_extended_message,
    stuck_nudge_message,
    stuck_resolved_message,
    stuck_started_message,
    stuck_usage_message,
    weekly_prompt_message,
)
from bot.blocks.text import message, notification_text
from bot.nudges.kinds.weekly_prompt import pick_tip
from bot.services.stuck import WinOffer
from content import Content
from tests.support.nudges import utc

NASTY = "<!channel> <@U999> & <https://evil.example|click> " * 60  # ~3,000 characters of control text
WHEN = utc(2026, 11, 20, 21, 0)


def _no_raw_controls(payload: dict[str, object]) -> None:
    text = json.dumps(payload)
    assert "<!channel>" not in text and "<@U999>" not in text and "<https://evil" not in text


@pytest.mark.parametrize("stage", [None, 1, 3, 5])
def test_weekly_prompt_fits(content: Content, stage: int | None) -> None:
    criteria = content.stage(stage).exit_criteria[:3] if stage else []
    payload = weekly_prompt_message(
        delivery_id=2**31,
        stage_title=content.stage(stage).title if stage else None,
        open_criteria=criteria,
        tip=pick_tip(content, stage, 47),
        wins_this_week=3,
        weekday=4,
        minute=960,
    )
    assert message_problems(payload) == []
    assert "Fridays at 16:00" in json.dumps(payload)


def test_tips_suit_the_stage(content: Content) -> None:
    for stage in (None, 1, 2, 3, 4, 5):
        for week in range(1, 54):
            assert pick_tip(content, stage, week).best_from_stage <= (stage or 1) + 1
    assert len({pick_tip(content, 1, week).key for week in range(1, 54)}) > 1


def test_stuck_messages_fit_and_escape(content: Content) -> None:
    payloads = [
        stuck_started_message(session_id=1, what=NASTY, due_at=WHEN, minutes=30, nudges_on=True, restarted=False),
        stuck_started_message(session_id=1, what=NASTY, due_at=WHEN, minutes=30, nudges_on=False, restarted=True),
        stuck_nudge_message(session_id=1, what=NASTY, minutes_stuck=31),
        stuck_nudge_message(session_id=1, what=None, minutes_stuck=31),
        stuck_extended_message(WHEN),
        stuck_resolved_message(minutes=12, offer=WinOffer(1, f"Got unblocked: {NASTY}", "Complete <tasks> & more")),
        stuck_resolved_message(minutes=12),
        stuck_usage_message(30),
        prompt_nothing_message(4),
        prompt_later_message(WHEN),
        prompt_next_week_message(0),
        help_posted_message(channel_id="C1", offer=WinOffer(1, "Asked for help after 3 minutes stuck", None)),
    ]
    for payload in payloads:
        assert message_problems(payload) == []
        _no_raw_controls(payload)


def test_help_request_modal_and_post_fit_and_escape() -> None:
    modal = help_request_modal(session_id=7, tried=NASTY * 2)
    assert view_problems(modal) == []
    tried = next(b for b in modal["blocks"] if b.get("block_id") == "help_tried")
    assert len(tried["element"]["initial_value"]) <= tried["element"]["max_length"]
    post = help_request_post(user_id="U1", goal=NASTY, tried="\n".join([NASTY] * 5), minutes_stuck=31)
    assert message_problems(post) == []
    _no_raw_controls(post)
    assert post["blocks"][0]["text"]["text"].startswith(":raising_hand: <@U1> is asking for help")


def test_the_stuck_nudge_speaks_to_the_persons_stage() -> None:
    for stage in (None, 1):
        assert "Stage 1 habit" in str(stuck_nudge_message(session_id=1, what=None, minutes_stuck=31, stage=stage))
    for stage in (2, 3, 4, 5):
        assert "Stage 1" not in str(stuck_nudge_message(session_id=1, what=None, minutes_stuck=31, stage=stage))


def test_fallback_text_reads_as_a_push_notification() -> None:
    assert notification_text(":ok_hand: Kept: see my *Home* tab.") == "Kept: see my Home tab."
    assert (
        notification_text("Shared in *the team channel*, `/win` and _more_")
        == "Shared in the team channel, /win and more"
    )
    # Not marks: words with underscores, arithmetic, a lone asterisk.
    assert notification_text("snake_case_name and 3*4*5 *") == "snake_case_name and 3*4*5 *"
    assert message(":white_check_mark: *Saved*", [])["text"] == "Saved"

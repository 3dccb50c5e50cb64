"""``/feedback-questions`` and the review date, over signed HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.blocks import ids
from bot.db.models import Member
from tests.support.bots import RunningBot
from tests.support.brag import set_stage, view_of
from tests.support.driver import block_texts
from tests.support.waiting import eventually


def test_stage_two_gets_questions_naming_system_owner(bot: RunningBot) -> None:
    set_stage(bot, 2)
    assert bot.slack.command("/feedback-questions").status == 200
    text = block_texts(bot.slack.responses()[0])
    assert "What would I need to do to be considered Stage 3: System Owner here?" in text
    assert "Stage 2: Feature Owner" in text
    assert "Should I already be deciding" in text  # what Stage 3 decides
    # No wins yet, so every stage-2 exit criterion becomes a question.
    for criterion in bot.deps.content.stage(2).exit_criteria[:5]:
        assert criterion.text[:20].lower() in text.lower()


def test_without_a_stage_questions_are_general_and_point_to_stage(bot: RunningBot) -> None:
    bot.slack.command("/feedback-questions")
    text = block_texts(bot.slack.responses()[0])
    assert "/stage" in text
    assert "{next_stage}" not in text and "{stage}" not in text
    assert "Is there something I should be owning that I'm not?" in text


def test_stage_five_has_no_next_stage_questions(bot: RunningBot) -> None:
    set_stage(bot, 5)
    bot.slack.command("/feedback-questions")
    text = block_texts(bot.slack.responses()[0])
    assert "last stage" in text
    assert "considered" not in text


def test_review_date_button_opens_modal_and_submission_saves(bot: RunningBot) -> None:
    bot.clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    bot.slack.command("/feedback-questions")
    bot.slack.responses()
    bot.slack.click(ids.REVIEW_SET_DATE)
    [opened] = bot.fake.wait_for("views.open")
    assert opened.params["trigger_id"].startswith("trigger-")
    # The picker opens four weeks ahead (a review is never today), not on today's date.
    picker = view_of(opened)["blocks"][0]["element"]
    assert picker["initial_date"] == "2026-12-18"
    view = {"callback_id": ids.REVIEW_DATE_MODAL}
    values = {ids.REVIEW_DATE_BLOCK: {ids.REVIEW_INPUT: {"type": "datepicker", "selected_date": "2027-01-15"}}}
    reply = bot.slack.submit_view(view, values)
    assert reply.status == 200
    assert reply.json()["response_action"] == "update"
    saved = block_texts(reply.json()["view"])
    assert "Your review is on *Friday 15 January 2027*" in saved and "Next:" in saved
    with bot.db.transaction() as session:
        assert session.query(Member).one().review_date == date(2027, 1, 15)


def test_a_past_review_date_is_refused_with_a_clear_error(bot: RunningBot) -> None:
    bot.clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    bot.slack.command("/feedback-questions")  # enrolls
    bot.slack.responses()
    view = {"callback_id": ids.REVIEW_DATE_MODAL}
    values = {ids.REVIEW_DATE_BLOCK: {ids.REVIEW_INPUT: {"type": "datepicker", "selected_date": "2026-01-01"}}}
    reply = bot.slack.submit_view(view, values).json()
    assert reply["response_action"] == "errors"
    assert "passed" in reply["errors"][ids.REVIEW_DATE_BLOCK]

    def no_date() -> bool:
        with bot.db.transaction() as session:
            return session.query(Member).one().review_date is None

    eventually(no_date)

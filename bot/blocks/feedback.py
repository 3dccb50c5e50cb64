"""``/feedback-questions``: questions for a review or 1:1, and the review-date modal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.blocks import ids
from bot.blocks.kit import input_block, modal
from bot.blocks.text import actions, button, context, header, message, plain, section, sections
from bot.services.feedback import FeedbackQuestions


def feedback_message(questions: FeedbackQuestions) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("Questions for your next review or 1:1")]
    if questions.stage is None:
        blocks.append(
            section(
                "You haven't set your stage yet, so these are general. "
                "Run `/stage` to find it: the questions then name what the next stage expects of you."
            )
        )
    elif questions.next_stage is not None:
        blocks.append(context(f"You're at *{questions.stage.title}*. These aim at *{questions.next_stage.title}*."))
    else:
        blocks.append(
            context(f"You're at *{questions.stage.title}*, the last stage: these aim at depth, not a next step.")
        )
    blocks += sections("*Ask about the next level*", [f"• {q}" for q in questions.general])
    if questions.ownership:
        blocks += sections("*What you could be owning*", [f"• {q}" for q in questions.ownership])
    if questions.evidence:
        blocks += sections("*Exit criteria with no evidence yet*", [f"• {q}" for q in questions.evidence])
    if questions.review_date:
        when = (
            f"Your review is on *{questions.review_date:%A %-d %B %Y}*: "
            "I'll send a packet two weeks and two days before."
        )
        label = "Change review date"
    else:
        when = "Set your review date and I'll send a packet of your wins and these questions before it."
        label = "Set review date"
    blocks.append(section(when))
    review_buttons = [button(label, ids.REVIEW_SET_DATE, style="primary")]
    if questions.review_date and questions.stage is not None:
        # The review conversation (issue 15): rate your exit criteria any time before the review, not only
        # when the ask arrives two weeks before it.
        review_buttons.append(button("Rate my exit criteria", ids.RATING_OPEN_SELF, questions.review_date.isoformat()))
    blocks.append(actions(*review_buttons))
    blocks.append(context("Specific questions get better answers than “how am I doing?”."))
    return message("Questions to take into your next review or 1:1", blocks)


PICKER_AHEAD = timedelta(days=28)


def review_date_modal(current: date | None, today: date) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": ids.REVIEW_INPUT, "placeholder": plain("Pick a date")}
    # A review is weeks away, not today: the picker opens on the saved date, or a month ahead (today was the
    # default, one tap from a date the reminders could never precede).
    element["initial_date"] = (current if current is not None and current > today else today + PICKER_AHEAD).isoformat()
    blocks = [
        input_block(ids.REVIEW_DATE_BLOCK, "When is your next review?", element),
        context("I'll DM you a packet two weeks before and again two days before."),
    ]
    return modal(ids.REVIEW_DATE_MODAL, "Review date", blocks, submit="Save", close="Cancel")


def review_date_saved_view(review_date: date) -> dict[str, Any]:
    blocks = [
        section(f":white_check_mark: Your review is on *{review_date:%A %-d %B %Y}*."),
        context(
            "Next: I'll send your packet two weeks before and two days before. Until then, `/win` what you "
            "ship; `/feedback-questions` has questions to take in."
        ),
    ]
    return modal(ids.REVIEW_DATE_MODAL, "Review date", blocks, close="Done")

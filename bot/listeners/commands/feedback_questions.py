"""``/feedback-questions``: questions for a review or 1:1, tailored to the user's stage."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.blocks.feedback import feedback_message
from bot.deps import Deps
from bot.services.feedback import member_questions


def feedback_questions_command(ack: Ack, respond: Respond, deps: Deps, member_id: int) -> None:
    ack()
    respond(**feedback_message(member_questions(deps.db, deps.content, member_id)))

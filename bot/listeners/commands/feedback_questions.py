"""``/feedback-questions``: questions for a review or 1:1, tailored to the user's stage."""

from __future__ import annotations

from bot.blocks.feedback import feedback_message
from bot.services.feedback import member_questions
from bot.slack.request import Request


def feedback_questions_command(request: Request) -> None:
    request.respond(**feedback_message(member_questions(request.deps.db, request.deps.content, request.member_id)))

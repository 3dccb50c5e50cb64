"""``/feedback-questions``: questions for a review or 1:1, tailored to the user's stage."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.blocks.feedback import feedback_message
from bot.services.feedback import questions_for
from bot.services.progress import member_progress
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of


def feedback_questions_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.transaction() as session:
        member = load_member(session, acting_member_id(context))
        progress = member_progress(session, deps.content, member.id, member.stage) if member.stage else None
        questions = questions_for(
            deps.content, member.stage, progress.open_criteria if progress else [], member.review_date
        )
    respond(**feedback_message(questions))

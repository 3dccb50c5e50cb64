"""Answers to the weekly wins prompt: nothing this week, later today, next week; and to its "still want
these?" check-in: keep them, stop them. Owner-checked by the service.

("Record a win" opens the win modal; the brag-document listeners own that button.)
"""

from __future__ import annotations

from collections.abc import Callable

from bot.blocks.nudges import not_yours_message, prompt_answered_message
from bot.services import prompts
from bot.services.prompts import PromptAnswer
from bot.slack.request import Request


def _answering(answer: PromptAnswer) -> Callable[[Request], None]:
    """The listener for one of the prompt's buttons (they differ only in the answer they record)."""

    def answer_prompt(request: Request) -> None:
        delivery_id = prompts.parse_delivery_id(request.action.get("value"))
        try:
            answered = prompts.answer_prompt(
                request.deps.db, request.member_id, delivery_id, answer, request.deps.clock()
            )
        except prompts.NotYourPrompt:
            request.respond(response_type="ephemeral", replace_original=False, **not_yours_message())
            return
        request.respond(replace_original=True, **prompt_answered_message(answered))

    answer_prompt.__name__ = answer_prompt.__qualname__ = f"prompt_{answer.value}"
    return answer_prompt


prompt_nothing_this_week = _answering(PromptAnswer.NOTHING_THIS_WEEK)
prompt_snooze_later_today = _answering(PromptAnswer.SNOOZED_LATER_TODAY)
prompt_snooze_next_week = _answering(PromptAnswer.SNOOZED_NEXT_WEEK)
prompt_checkin_keep = _answering(PromptAnswer.CHECKIN_KEEP)
prompt_checkin_stop = _answering(PromptAnswer.CHECKIN_STOP)

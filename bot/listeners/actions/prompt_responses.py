"""Answers to the weekly wins prompt: nothing this week, later today, next week; and to its "still want
these?" check-in: keep them, stop them. Owner-checked by the service.

("Record a win" opens the win modal; the brag-document listeners own that button.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from bot.blocks.nudges import not_yours_message, prompt_answered_message
from bot.deps import Deps
from bot.listeners.requests import Payload
from bot.services import prompts
from bot.services.prompts import PromptAnswer


def _answering(answer: PromptAnswer) -> Callable[[Ack, dict[str, Any], Respond, Deps, int], None]:
    """The listener for one of the prompt's buttons (they differ only in the answer they record)."""

    def answer_prompt(ack: Ack, action: Payload, respond: Respond, deps: Deps, member_id: int) -> None:
        ack()
        delivery_id = prompts.parse_delivery_id(action.get("value"))
        try:
            answered = prompts.answer_prompt(deps.db, member_id, delivery_id, answer, deps.clock())
        except prompts.NotYourPrompt:
            respond(response_type="ephemeral", replace_original=False, **not_yours_message())
            return
        respond(replace_original=True, **prompt_answered_message(answered))

    answer_prompt.__name__ = answer_prompt.__qualname__ = f"prompt_{answer.value}"
    return answer_prompt


prompt_nothing_this_week = _answering(PromptAnswer.NOTHING_THIS_WEEK)
prompt_snooze_later_today = _answering(PromptAnswer.SNOOZED_LATER_TODAY)
prompt_snooze_next_week = _answering(PromptAnswer.SNOOZED_NEXT_WEEK)
prompt_checkin_keep = _answering(PromptAnswer.CHECKIN_KEEP)
prompt_checkin_stop = _answering(PromptAnswer.CHECKIN_STOP)

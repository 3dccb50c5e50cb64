"""The "find your stage" self-assessment modal."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.stage import assessment_result_view
from bot.services import stages
from bot.slack.request import Request


def _answers(view: dict[str, Any]) -> dict[str, int]:
    answers: dict[str, int] = {}
    for block_id, values in view.get("state", {}).get("values", {}).items():
        if not block_id.startswith(ids.ASSESSMENT_BLOCK_PREFIX):
            continue
        selected = (values.get(ids.ASSESSMENT_ANSWER) or {}).get("selected_option") or {}
        value = selected.get("value", "")
        if value.isdigit():
            answers[block_id.removeprefix(ids.ASSESSMENT_BLOCK_PREFIX)] = int(value)
    return answers


def submit_assessment(request: Request) -> None:
    try:
        result = stages.assess(request.deps.content, _answers(request.view))
    except ValueError:
        first = f"{ids.ASSESSMENT_BLOCK_PREFIX}{request.deps.content.growth.self_assessment[0].key}"
        request.ack(response_action="errors", errors={first: "Pick an answer so I can suggest a stage."})
        return
    request.ack(
        response_action="update", view=assessment_result_view(request.deps.content, result.suggested, result.spread)
    )

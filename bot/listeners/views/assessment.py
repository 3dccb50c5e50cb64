"""The "find your stage" self-assessment modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.blocks import ids
from bot.blocks.stage import assessment_result_view
from bot.deps import Deps
from bot.services import stages


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


def submit_assessment(ack: Ack, view: dict[str, Any], deps: Deps) -> None:
    try:
        result = stages.assess(deps.content, _answers(view))
    except ValueError:
        first = f"{ids.ASSESSMENT_BLOCK_PREFIX}{deps.content.growth.self_assessment[0].key}"
        ack(response_action="errors", errors={first: "Pick an answer so I can suggest a stage."})
        return
    ack(response_action="update", view=assessment_result_view(deps.content, result.suggested, result.spread))

"""``/stage`` buttons: set my stage, look at another stage, open the self-assessment."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.stage import (
    assessment_modal,
    pick_a_stage_message,
    stage_message,
    stage_saved_note,
    stage_saved_view,
)
from bot.services import stages
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.registrar import opens_modal


def _stage_number(action: dict[str, Any]) -> int | None:
    # Slack sends ``"selected_option": null`` when a menu is cleared.
    raw = action.get("value") or (action.get("selected_option") or {}).get("value")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and 1 <= int(raw) <= 5 else None


def _pick_a_stage(body: dict[str, Any], respond: Respond) -> None:
    """A cleared menu or a value that is no stage: say what works (messages only; a modal keeps its state)."""
    if body.get("response_url"):
        respond(replace_original=False, response_type="ephemeral", **pick_a_stage_message())


def set_my_stage(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    number = _stage_number(action)
    if number is None:
        _pick_a_stage(body, respond)
        return
    deps = deps_of(context)
    with deps.db.transaction() as session:
        member = stages.load_member(session, acting_member_id(context))
        stages.set_stage(member, number, deps.clock())
    stage = deps.content.stage(number)
    view = body.get("view")
    if view is not None:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=stage_saved_view(stage))
    else:
        respond(replace_original=True, **stage_message(deps.content, stage, number, note=stage_saved_note(stage)))


def show_stage(ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    number = _stage_number(action)
    if number is None:
        _pick_a_stage(body, respond)
        return
    deps = deps_of(context)
    with deps.db.transaction() as session:
        my_stage = stages.load_member(session, acting_member_id(context)).stage
    respond(replace_original=True, **stage_message(deps.content, deps.content.stage(number), my_stage))


@opens_modal
def open_assessment(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=assessment_modal(deps_of(context).content))

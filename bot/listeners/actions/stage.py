"""``/stage`` buttons: set my stage, look at another stage, open the self-assessment."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.stage import (
    assessment_modal,
    own_stage_message,
    pick_a_stage_message,
    principles_modal,
    stage_guide_modal,
    stage_message,
    stage_saved_message,
    stage_saved_view,
    tracks_modal,
)
from bot.deps import Deps
from bot.listeners.requests import Payload
from bot.services import stages


def _picked_stage(action: dict[str, Any], body: dict[str, Any], respond: Respond) -> int | None:
    """The stage a button or menu names; None (having said what works) for a cleared menu or no stage.

    The hint goes to messages only: a modal keeps its state.
    """
    # Slack sends ``"selected_option": null`` when a menu is cleared.
    raw = action.get("value") or (action.get("selected_option") or {}).get("value")
    number = stages.stage_number(raw if isinstance(raw, str) else None)
    if number is None and body.get("response_url"):
        respond(replace_original=False, response_type="ephemeral", **pick_a_stage_message())
    return number


def set_my_stage(
    ack: Ack, action: Payload, body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    number = _picked_stage(action, body, respond)
    if number is None:
        return
    stages.choose_stage(deps.db, member_id, number, deps.clock())
    stage = deps.content.stage(number)
    view = body.get("view")
    if view is not None:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=stage_saved_view(stage))
    else:
        respond(replace_original=True, **stage_saved_message(stage))


def show_stage(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, deps: Deps, member_id: int
) -> None:
    ack()
    number = _picked_stage(action, body, respond)
    if number is None:
        return
    my_stage = stages.stage_of(deps.db, member_id)
    respond(replace_original=True, **stage_message(deps.content, deps.content.stage(number), my_stage))


def open_assessment(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=assessment_modal(deps.content))


def show_my_progress(ack: Ack, body: dict[str, Any], respond: Respond, deps: Deps, member_id: int) -> None:
    """ "See my progress" under a stage just set: where the person stands on its exit criteria."""
    ack()
    progress = stages.own_progress(deps.db, deps.content, member_id)
    if progress is None:
        respond(replace_original=False, response_type="ephemeral", **pick_a_stage_message())
        return
    respond(replace_original=True, **own_stage_message(deps.content, progress))


def open_stage_guide(ack: Ack, action: Payload, body: Payload, client: WebClient, deps: Deps) -> None:
    """The full guide to a stage in a modal; its previous / next buttons move the same modal."""
    ack()
    number = stages.stage_number(action.get("value") if isinstance(action.get("value"), str) else None)
    if number is None:
        return
    view = stage_guide_modal(deps.content, deps.content.stage(number))
    shown = body.get("view")
    if shown is not None:
        client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def open_tracks_guide(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=tracks_modal(deps.content))


def open_principles_guide(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=principles_modal(deps.content))

"""``/stage`` buttons: set my stage, look at another stage, open the self-assessment."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

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
from bot.services import stages
from bot.slack.request import Request


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


def set_my_stage(request: Request) -> None:
    number = _picked_stage(request.action, request.body, request.respond)
    if number is None:
        return
    stages.choose_stage(request.deps.db, request.member_id, number, request.deps.clock())
    stage = request.deps.content.stage(number)
    view = request.body.get("view")
    if view is not None:
        request.client.views_update(view_id=view["id"], hash=view.get("hash"), view=stage_saved_view(stage))
    else:
        request.respond(replace_original=True, **stage_saved_message(stage))


def show_stage(request: Request) -> None:
    number = _picked_stage(request.action, request.body, request.respond)
    if number is None:
        return
    my_stage = stages.stage_of(request.deps.db, request.member_id)
    request.respond(
        replace_original=True, **stage_message(request.deps.content, request.deps.content.stage(number), my_stage)
    )


def open_assessment(request: Request) -> None:
    request.client.views_open(trigger_id=request.body["trigger_id"], view=assessment_modal(request.deps.content))


def show_my_progress(request: Request) -> None:
    """ "See my progress" under a stage just set: where the person stands on its exit criteria."""
    progress = stages.own_progress(request.deps.db, request.deps.content, request.member_id)
    if progress is None:
        request.respond(replace_original=False, response_type="ephemeral", **pick_a_stage_message())
        return
    request.respond(replace_original=True, **own_stage_message(request.deps.content, progress))


def open_stage_guide(request: Request) -> None:
    """The full guide to a stage in a modal; its previous / next buttons move the same modal."""
    number = stages.stage_number(request.action.get("value") if isinstance(request.action.get("value"), str) else None)
    if number is None:
        return
    view = stage_guide_modal(request.deps.content, request.deps.content.stage(number))
    shown = request.body.get("view")
    if shown is not None:
        request.client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
    else:
        request.client.views_open(trigger_id=request.body["trigger_id"], view=view)


def open_tracks_guide(request: Request) -> None:
    request.client.views_open(trigger_id=request.body["trigger_id"], view=tracks_modal(request.deps.content))


def open_principles_guide(request: Request) -> None:
    request.client.views_open(trigger_id=request.body["trigger_id"], view=principles_modal(request.deps.content))

"""[Save as win] / [Skip] under a found item. Owner-checked; a second tap changes nothing."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import ids
from bot.blocks.capture import card_message
from bot.blocks.github import connect_modal, decided_message, saved_note
from bot.blocks.nudges import not_yours_message
from bot.db.types import parse_row_id
from bot.services import found
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)


def decide_found(request: Request) -> None:
    save = request.action.get("action_id") == ids.FOUND_SAVE
    try:
        decision = found.decide(
            request.deps.db,
            request.deps.content,
            request.member_id,
            parse_row_id(request.action.get("value")),
            save,
            request.deps.clock(),
        )
    except found.NotYourItem:
        request.respond(response_type="ephemeral", replace_original=False, **not_yours_message())
        return
    note = saved_note(save, decision.changed)
    request.respond(replace_original=True, **decided_message(request.deps.content, decision.remaining, note))
    if decision.saved is not None:
        # The ordinary win card (evidence to confirm, edit, undo), as any saved win gets.
        request.respond(replace_original=False, **card_message(request.deps.content, decision.saved))
        publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"])


def open_github_connect(request: Request) -> None:
    """Home's "Connect GitHub": a modal with a fresh link to GitHub's authorize page (public repositories)."""
    deps = request.deps
    url = found.start_connect(deps.db, deps.settings, request.member_id, False, deps.clock())
    try:
        request.client.views_open(trigger_id=request.body["trigger_id"], view=connect_modal(url))
    except SlackApiError as exc:
        log.exception(
            "views.open failed for GitHub connect",
            extra={"member": request.member_id, "error": exc.response.get("error")},
        )


def github_connect_link(request: Request) -> None:
    """A URL button: the browser opens GitHub; Slack still sends the click, which needs only its ack."""

"""[Save as win] / [Skip] under a found item. Owner-checked; a second tap changes nothing."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.capture import card_message
from bot.blocks.github import decided_message, saved_note
from bot.blocks.nudges import not_yours_message
from bot.db.types import parse_row_id
from bot.deps import Deps
from bot.listeners.requests import Payload
from bot.services import found
from bot.slack.home import publish_home


def decide_found(
    ack: Ack, action: dict[str, Any], body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    save = action.get("action_id") == ids.FOUND_SAVE
    try:
        decision = found.decide(deps.db, deps.content, member_id, parse_row_id(action.get("value")), save, deps.clock())
    except found.NotYourItem:
        respond(response_type="ephemeral", replace_original=False, **not_yours_message())
        return
    note = saved_note(save, decision.changed)
    respond(replace_original=True, **decided_message(deps.content, decision.remaining, note))
    if decision.saved is not None:
        # The ordinary win card (evidence to confirm, edit, undo), as any saved win gets.
        respond(replace_original=False, **card_message(deps.content, decision.saved))
        publish_home(client, deps, member_id, body["user"]["id"])


def github_connect_link(ack: Ack) -> None:
    """A URL button: the browser opens GitHub; Slack still sends the click, which needs only its ack."""
    ack()

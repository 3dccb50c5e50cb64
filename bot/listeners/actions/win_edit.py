"""Edit and "add detail" buttons: the win modal prefilled, for the entry's owner only."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.brag import not_your_entry_message, problem_message
from bot.listeners.requests import entry_id_of, reply
from bot.services.brag import NotYourEntry
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.home import publish_home
from bot.slack.registrar import opens_modal
from bot.slack.win_form import open_edit_win

log = logging.getLogger(__name__)

OPEN_FORM_FAILED = "I couldn't open the form just now. Please click again."


@opens_modal
def edit_win(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    entry_id = entry_id_of(action)
    try:
        if entry_id is None:
            raise NotYourEntry(action.get("value"))
        opened = open_edit_win(client, deps, member_id, body["trigger_id"], entry_id)
    except NotYourEntry:
        log.warning("edit refused: not the member's entry", extra={"member": member_id, "entry": action.get("value")})
        reply(body, respond, not_your_entry_message())
        if body.get("view", {}).get("type") == "home":
            publish_home(client, deps, member_id, body["user"]["id"])
        return
    if not opened:
        reply(body, respond, problem_message(OPEN_FORM_FAILED))

"""Edit and "add detail" buttons: the win modal prefilled, for the entry's owner only."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.brag import not_your_entry_message, open_failed_message
from bot.deps import Deps
from bot.listeners.requests import Payload, entry_id_of, reply
from bot.services.brag import NotYourEntry
from bot.slack.home import publish_home
from bot.slack.win_form import open_edit_win

log = logging.getLogger(__name__)


def edit_win(
    ack: Ack, action: Payload, body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    try:
        opened = open_edit_win(client, deps, member_id, body["trigger_id"], entry_id_of(action))
    except NotYourEntry:
        log.warning("edit refused: not the member's entry", extra={"member": member_id, "entry": action.get("value")})
        reply(body, respond, not_your_entry_message())
        if body.get("view", {}).get("type") == "home":
            publish_home(client, deps, member_id, body["user"]["id"])
        return
    if not opened:
        reply(body, respond, open_failed_message())

"""Delete a win (the button carries a confirm dialog). Only the entry's owner can."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.brag import not_your_entry_message
from bot.deps import Deps
from bot.listeners.requests import Payload, entry_id_of, reply
from bot.services import brag
from bot.slack.home import publish_home

log = logging.getLogger(__name__)


def delete_win(
    ack: Ack, action: Payload, body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    try:
        brag.delete_win(deps.db, member_id, entry_id_of(action))
    except brag.NotYourEntry:
        log.warning("delete refused: not the member's entry", extra={"member": member_id, "entry": action.get("value")})
        reply(body, respond, not_your_entry_message())
    # Either way, the acting member's Home shows their own entries as they now are.
    publish_home(client, deps, member_id, body["user"]["id"])

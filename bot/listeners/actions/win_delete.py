"""Delete a win (the button carries a confirm dialog). Only the entry's owner can."""

from __future__ import annotations

import logging

from bot.blocks.brag import not_your_entry_message
from bot.listeners.requests import entry_id_of, reply
from bot.services import brag
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)


def delete_win(request: Request) -> None:
    try:
        brag.delete_win(request.deps.db, request.member_id, entry_id_of(request.action))
    except brag.NotYourEntry:
        log.warning(
            "delete refused: not the member's entry",
            extra={"member": request.member_id, "entry": request.action.get("value")},
        )
        reply(request.body, request.respond, not_your_entry_message())
    # Either way, the acting member's Home shows their own entries as they now are.
    publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"])

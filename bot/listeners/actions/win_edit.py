"""Edit and "add detail" buttons: the win modal prefilled, for the entry's owner only."""

from __future__ import annotations

import logging

from bot.blocks.brag import not_your_entry_message, open_failed_message
from bot.listeners.requests import entry_id_of, reply
from bot.services.brag import NotYourEntry
from bot.slack.home import publish_home
from bot.slack.request import Request
from bot.slack.win_form import open_edit_win

log = logging.getLogger(__name__)


def edit_win(request: Request) -> None:
    try:
        opened = open_edit_win(
            request.client, request.deps, request.member_id, request.body["trigger_id"], entry_id_of(request.action)
        )
    except NotYourEntry:
        log.warning(
            "edit refused: not the member's entry",
            extra={"member": request.member_id, "entry": request.action.get("value")},
        )
        reply(request.body, request.respond, not_your_entry_message())
        if request.body.get("view", {}).get("type") == "home":
            publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"])
        return
    if not opened:
        reply(request.body, request.respond, open_failed_message())

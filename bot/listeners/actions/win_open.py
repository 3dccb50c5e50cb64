"""Buttons that open the win modal for a new win (Home, confirmations, the weekly prompt)."""

from __future__ import annotations

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks.brag import WinMetadata, open_failed_message
from bot.deps import Deps
from bot.listeners.requests import Payload, reply
from bot.services import prompts
from bot.slack.request import Request
from bot.slack.win_form import open_new_win


def open_win_modal_from_prompt(request: Request) -> None:
    """The weekly prompt's "Record a win": the modal remembers the prompt, so saving answers it."""
    _open(
        request.body,
        request.respond,
        request.client,
        request.deps,
        request.member_id,
        WinMetadata(prompt_id=prompts.parse_delivery_id(request.action.get("value"))),
    )


def open_win_modal(request: Request) -> None:
    _open(request.body, request.respond, request.client, request.deps, request.member_id, WinMetadata())


def _open(body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int, meta: WinMetadata) -> None:
    if not open_new_win(client, deps, member_id, body["trigger_id"], meta=meta):
        reply(body, respond, open_failed_message())

"""Buttons that open the win modal for a new win (Home, confirmations, the weekly prompt)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.brag import WinMetadata, problem_message
from bot.listeners.requests import reply
from bot.services import prompts
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.registrar import opens_modal
from bot.slack.win_form import open_new_win

OPEN_FORM_FAILED = "I couldn't open the form just now. Please click again."


@opens_modal
def open_win_modal_from_prompt(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """The weekly prompt's "Record a win": the modal remembers the prompt, so saving answers it."""
    ack()
    meta = WinMetadata(prompt_id=prompts.parse_delivery_id(action.get("value")))
    if not open_new_win(client, deps_of(context), acting_member_id(context), body["trigger_id"], meta=meta):
        reply(body, respond, problem_message(OPEN_FORM_FAILED))


@opens_modal
def open_win_modal(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    if not open_new_win(client, deps_of(context), acting_member_id(context), body["trigger_id"]):
        reply(body, respond, problem_message(OPEN_FORM_FAILED))

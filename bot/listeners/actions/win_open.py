"""Buttons that open the win modal for a new win (Home, confirmations, the weekly prompt)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.brag import problem_message
from bot.listeners.brag import open_new_win, reply
from bot.listeners.common import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.registrar import opens_modal

OPEN_FORM_FAILED = "I couldn't open the form just now. Please click again."


@opens_modal
def open_win_modal(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    if not open_new_win(client, deps_of(context), acting_member_id(context), body["trigger_id"]):
        reply(body, respond, problem_message(OPEN_FORM_FAILED))

"""``/win [text]``: with text, save it before the ack (a crash never loses it); bare, open the win modal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.brag import open_failed_message, problem_message, win_too_long_message, win_usage_message
from bot.blocks.capture import card_message
from bot.deps import Deps
from bot.listeners.requests import Payload
from bot.services import brag, capture
from bot.slack.home import publish_home
from bot.slack.registrar import Saturated, opens_modal, post_ack_of, saves_before_ack
from bot.slack.text import plain_from_slack
from bot.slack.win_form import open_new_win

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "?"}


def _bare(body: Payload) -> bool:
    return not plain_from_slack(body.get("text") or "")


def _with_text(body: Payload) -> bool:
    return not _bare(body)


@opens_modal(when=_bare)
@saves_before_ack(when=_with_text)
def win_command(
    ack: Ack, command: Payload, respond: Respond, client: WebClient, context: BoltContext, deps: Deps, member_id: int
) -> None:
    """Bare: acked already, opens the modal at once. With text: saves it, then acks (the real ack)."""
    text = plain_from_slack(command.get("text") or "")
    if not text:
        ack()
        if not open_new_win(client, deps, member_id, command["trigger_id"]):
            respond(**open_failed_message("try `/win` again"))
        return
    if text.lower() in HELP_WORDS:
        _ack_then(ack, context, win_usage_message(), lambda answer: respond(**answer))
        return
    try:
        card = capture.save_command_win(deps.db, deps.content, member_id, text, deps.clock())
    except brag.EntryInputError as error:
        log.info("/win text refused", extra={"member": member_id, "field": error.field, "length": len(text)})
        refusal = win_too_long_message(text) if error.field == "what" else problem_message(str(error))
        _ack_then(ack, context, refusal, lambda answer: respond(**answer))
        return

    def answer_then_publish(answer: dict[str, Any]) -> None:
        respond(**answer)
        publish_home(client, deps, member_id, command["user_id"])

    _ack_then(ack, context, card_message(deps.content, card), answer_then_publish)


def _ack_then(ack: Ack, context: BoltContext, answer: dict[str, Any], send: Callable[[dict[str, Any]], object]) -> None:
    """Ack, then send ``answer`` after the ack; when the post-ack queue is full, the ack itself carries it."""
    try:
        start = post_ack_of(context).reserve("/win answer")
    except Saturated:
        ack(**answer)  # the Home catches up on its next open
        return
    ack()

    def run() -> None:
        send(answer)

    start(run)

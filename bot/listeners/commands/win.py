"""``/win [text]``: with text, save it before the ack (a crash never loses it); bare, open the win modal."""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks.brag import open_failed_message, problem_message, win_too_long_message, win_usage_message
from bot.blocks.capture import card_message
from bot.listeners.requests import Payload
from bot.services import brag, capture
from bot.slack.handling import Policy, answer_after_ack
from bot.slack.home import publish_home
from bot.slack.request import Request
from bot.slack.text import plain_from_slack
from bot.slack.win_form import open_new_win

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "?"}


def win_policy(body: Payload) -> Policy:
    """Bare, it opens the modal; with text, it saves what was typed before the ack."""
    return Policy.SAVES_BEFORE_ACK if plain_from_slack(body.get("text") or "") else Policy.OPENS_MODAL


def win_command(request: Request) -> None:
    """Bare: acked already, opens the modal at once. With text: saves it, then acks (``request.ack``)."""
    text = plain_from_slack(request.command.get("text") or "")
    if not text:
        if not open_new_win(request.client, request.deps, request.member_id, request.command["trigger_id"]):
            request.respond(**open_failed_message("try `/win` again"))
        return
    if text.lower() in HELP_WORDS:
        answer_after_ack(request, "/win answer", win_usage_message(), lambda answer: request.respond(**answer))
        return
    try:
        card = capture.save_command_win(
            request.deps.db, request.deps.content, request.member_id, text, request.deps.clock()
        )
    except brag.EntryInputError as error:
        log.info("/win text refused", extra={"member": request.member_id, "field": error.field, "length": len(text)})
        refusal = win_too_long_message(text) if error.field == "what" else problem_message(str(error))
        answer_after_ack(request, "/win answer", refusal, lambda answer: request.respond(**answer))
        return

    def answer_then_publish(answer: dict[str, Any]) -> None:
        request.respond(**answer)
        publish_home(request.client, request.deps, request.member_id, request.command["user_id"])

    answer_after_ack(request, "/win answer", card_message(request.deps.content, card), answer_then_publish)

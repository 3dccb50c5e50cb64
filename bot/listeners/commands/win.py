"""``/win [text]``: with text, save it before the ack (a crash never loses it); bare, open the win modal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.brag import problem_message, win_too_long_message, win_usage_message
from bot.blocks.capture import capture_message
from bot.db.models import EntrySource
from bot.services import brag
from bot.services.evidence import suggest_evidence
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.home import publish_home
from bot.slack.registrar import Saturated, opens_modal, post_ack_of, saves_before_ack
from bot.slack.win_form import open_new_win

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "?"}
OPEN_FORM_FAILED = "I couldn't open the form just now. Please try `/win` again."


def _bare(body: dict[str, Any]) -> bool:
    return not brag.plain_from_slack(body.get("text") or "")


def _with_text(body: dict[str, Any]) -> bool:
    return not _bare(body)


@opens_modal(when=_bare)
@saves_before_ack(when=_with_text)
def win_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    """Bare: acked already, opens the modal at once. With text: saves it, then acks (the real ack)."""
    deps = deps_of(context)
    text = brag.plain_from_slack(command.get("text") or "")
    if not text:
        ack()
        if not open_new_win(client, deps, acting_member_id(context), command["trigger_id"]):
            respond(**problem_message(OPEN_FORM_FAILED))
        return
    if text.lower() in HELP_WORDS:
        _ack_then(ack, context, win_usage_message(), lambda answer: respond(**answer))
        return
    member_id = acting_member_id(context)
    try:
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            entry = brag.create_entry(
                session,
                deps.content,
                member,
                what=text,
                now=deps.clock(),
                source=EntrySource.COMMAND,
                suggested_keys=suggest_evidence(deps.content, text, member.stage),
            )
            saved = brag.summarize(deps.content, entry)
            stage = member.stage
            audience = brag.audience_of(session, member)
    except brag.EntryInputError as error:
        log.info("/win text refused", extra={"member": member_id, "field": error.field, "length": len(text)})
        refusal = win_too_long_message(text) if error.field == "what" else problem_message(str(error))
        _ack_then(ack, context, refusal, lambda answer: respond(**answer))
        return

    def answer_then_publish(answer: dict[str, Any]) -> None:
        respond(**answer)
        publish_home(client, deps, member_id, command["user_id"])

    _ack_then(ack, context, capture_message(deps.content, stage, [saved], audience=audience), answer_then_publish)


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

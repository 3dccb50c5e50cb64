"""``/win [text]``: with text, save it at once; bare, open the win modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.brag import problem_message, win_too_long_message, win_usage_message
from bot.blocks.capture import capture_message
from bot.db.models import EntrySource
from bot.listeners.brag import open_new_win, publish_home
from bot.listeners.common import acting_member_id
from bot.services import brag
from bot.services.evidence import suggest_evidence
from bot.services.stages import load_member
from bot.slack.deps import deps_of

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "?"}
OPEN_FORM_FAILED = "I couldn't open the form just now. Please try `/win` again."


def win_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    text = brag.plain_from_slack(command.get("text") or "")
    if not text:
        if not open_new_win(client, deps, member_id, command["trigger_id"]):
            respond(**problem_message(OPEN_FORM_FAILED))
        return
    if text.lower() in HELP_WORDS:
        respond(**win_usage_message())
        return
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
        respond(**(win_too_long_message(text) if error.field == "what" else problem_message(str(error))))
        return
    respond(**capture_message(deps.content, stage, [saved], audience=audience))
    publish_home(client, deps, member_id, command["user_id"])

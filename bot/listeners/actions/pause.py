"""Home's pause date picker and Resume button (``/coach pause`` / ``/coach resume`` do the same)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.pause import pause_problem_message
from bot.services import pause
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.home import publish_home

log = logging.getLogger(__name__)


def pause_from_home(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    user_id = body["user"]["id"]
    try:
        until = date.fromisoformat(str(action.get("selected_date") or ""))
        with deps.db.transaction() as session:
            pause.pause_until(load_member(session, member_id), until, deps.clock())
    except (ValueError, pause.PauseInputError) as problem:
        log.info("pause from Home refused", extra={"member": member_id})
        text = str(problem) if isinstance(problem, pause.PauseInputError) else "Pick a date to pause until."
        # Home has no place for an error line; a DM (by user ID) is where the person will see it.
        try:
            client.chat_postMessage(channel=user_id, **pause_problem_message(text))
        except SlackApiError as exc:
            log.exception("could not tell the member why the pause failed", extra={"error": exc.response.get("error")})
    publish_home(client, deps, member_id, user_id)


def resume_from_home(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    with deps.db.transaction() as session:
        pause.resume(session, load_member(session, member_id), deps.clock())
    publish_home(client, deps, member_id, body["user"]["id"])

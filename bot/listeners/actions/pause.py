"""Home's pause date picker and Resume button (``/coach pause`` / ``/coach resume`` do the same)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.pause import pause_problem_message
from bot.deps import Deps
from bot.services import pause
from bot.slack.home import publish_home

log = logging.getLogger(__name__)


def pause_from_home(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    user_id = body["user"]["id"]
    try:
        until = date.fromisoformat(str(action.get("selected_date") or ""))
        pause.pause_member(deps.db, member_id, until, deps.clock())
    except (ValueError, pause.PauseInputError) as problem:
        log.info("pause from Home refused", extra={"member": member_id})
        text = str(problem) if isinstance(problem, pause.PauseInputError) else "Pick a date to pause until."
        # Home has no place for an error line; a DM (by user ID) is where the person will see it.
        try:
            client.chat_postMessage(channel=user_id, **pause_problem_message(text))
        except SlackApiError as exc:
            log.exception("could not tell the member why the pause failed", extra={"error": exc.response.get("error")})
    publish_home(client, deps, member_id, user_id)


def resume_from_home(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, member_id: int) -> None:
    ack()
    pause.resume_member(deps.db, member_id, deps.clock())
    publish_home(client, deps, member_id, body["user"]["id"])

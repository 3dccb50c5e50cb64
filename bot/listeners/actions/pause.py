"""Home's pause date picker and Resume button (``/coach pause`` / ``/coach resume`` do the same)."""

from __future__ import annotations

import logging
from datetime import date

from slack_sdk.errors import SlackApiError

from bot.blocks.pause import pause_problem_message
from bot.services import pause
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)


def pause_from_home(request: Request) -> None:
    user_id = request.body["user"]["id"]
    try:
        until = date.fromisoformat(str(request.action.get("selected_date") or ""))
        pause.pause_member(request.deps.db, request.member_id, until, request.deps.clock())
    except (ValueError, pause.PauseInputError) as problem:
        log.info("pause from Home refused", extra={"member": request.member_id})
        text = str(problem) if isinstance(problem, pause.PauseInputError) else "Pick a date to pause until."
        # Home has no place for an error line; a DM (by user ID) is where the person will see it.
        try:
            request.client.chat_postMessage(channel=user_id, **pause_problem_message(text))
        except SlackApiError as exc:
            log.exception("could not tell the member why the pause failed", extra={"error": exc.response.get("error")})
    publish_home(request.client, request.deps, request.member_id, user_id)


def resume_from_home(request: Request) -> None:
    pause.resume_member(request.deps.db, request.member_id, request.deps.clock())
    publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"])

"""The help-request modal: post a clear ask to the channel the person picked, on their behalf.

The post happens *before* the ack, with a short timeout and no retries, because only then can a
refusal keep the modal open with an error on the channel field (``not_in_channel``: invite the bot
or pick another channel) and with everything the person typed intact. A successful post is
recorded as asking for help (once per stuck session) and confirmed in a DM.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks import ids
from bot.blocks.nudges import help_posted_message, help_request_post
from bot.services import stuck as stuck_service
from bot.slack.errors import ChannelRefusal, channel_refusal, error_code
from bot.slack.handling import run_later
from bot.slack.request import Request
from bot.webapi.client import make_web_client

log = logging.getLogger(__name__)

POST_TIMEOUT_SECONDS = 2
NOT_IN_CHANNEL = "I'm not in that channel. Type /invite @Stagecoach there, or pick another channel."
ARCHIVED = "That channel is archived. Pick another one."
REFUSED = "Slack didn't take the post ({error}). Try again, or pick another channel."
CHANNEL_PROBLEMS = {
    ChannelRefusal.NOT_IN_CHANNEL: NOT_IN_CHANNEL,
    ChannelRefusal.ARCHIVED: ARCHIVED,
}
NO_ANSWER = "Slack didn't answer in time. Check the channel before you post again."


def _text(values: dict[str, Any], block_id: str) -> str:
    return str(((values.get(block_id) or {}).get(ids.HELP_INPUT) or {}).get("value") or "").strip()


def _channel(values: dict[str, Any]) -> str:
    element = (values.get(ids.HELP_CHANNEL_BLOCK) or {}).get(ids.HELP_INPUT) or {}
    return str(element.get("selected_conversation") or element.get("selected_channel") or "")


def _session_id(view: dict[str, Any]) -> int:
    try:
        value = json.loads(view.get("private_metadata") or "{}").get("session")
    except (ValueError, AttributeError):
        return -1
    return int(value) if isinstance(value, int) else -1


def submit_help_request(request: Request) -> None:
    values = request.view.get("state", {}).get("values", {})
    goal, tried, channel = _text(values, ids.HELP_GOAL_BLOCK), _text(values, ids.HELP_TRIED_BLOCK), _channel(values)
    errors = {}
    if not goal:
        errors[ids.HELP_GOAL_BLOCK] = "Say in a line what you're trying to do."
    if not tried:
        errors[ids.HELP_TRIED_BLOCK] = "List what you've tried: it saves the helper from suggesting it again."
    if not channel:
        errors[ids.HELP_CHANNEL_BLOCK] = "Pick a channel."
    if errors:
        request.ack(response_action="errors", errors=errors)
        return
    user_id = str(request.context.user_id)
    session_id = _session_id(request.view)
    now = request.deps.clock()
    try:
        minutes = stuck_service.minutes_stuck(request.deps.db, request.member_id, session_id, now)
    except stuck_service.NotYourSession:
        request.ack(response_action="errors", errors={ids.HELP_GOAL_BLOCK: "This stuck timer isn't yours."})
        return
    poster = make_web_client(
        request.deps.settings.slack_api_url, request.client.token, handlers=[], timeout=POST_TIMEOUT_SECONDS
    )
    try:
        poster.chat_postMessage(
            channel=channel,
            unfurl_links=False,
            **help_request_post(user_id=user_id, goal=goal, tried=tried, minutes_stuck=minutes),
        )
    except SlackApiError as exc:
        refusal = channel_refusal(exc)
        message = CHANNEL_PROBLEMS.get(refusal) if refusal else None
        request.ack(
            response_action="errors", errors={ids.HELP_CHANNEL_BLOCK: message or REFUSED.format(error=error_code(exc))}
        )
        return
    except Exception:
        log.warning("help request post timed out or failed", exc_info=True, extra={"user": user_id})
        request.ack(response_action="errors", errors={ids.HELP_CHANNEL_BLOCK: NO_ANSWER})
        return
    # Recorded before the ack (a crash after it loses nothing); the DM goes after it, off this thread.
    offer = stuck_service.record_help_request(request.deps.db, request.deps.content, request.member_id, session_id, now)
    request.ack()
    confirmation = help_posted_message(channel_id=channel, offer=offer)
    run_later(
        request.context,
        "help request confirmation",
        lambda: request.client.chat_postMessage(channel=user_id, **confirmation),
    )

"""What happens when a listener fails: log it with context, and tell the person what happened.

Listeners ack first and do their work after, so a failure usually comes after Slack already got
its 200. The person then hears from us through the request's response_url or, failing that, a DM,
and anything they typed in a modal is sent back to them so nothing is lost.

Also which of Slack's errors mean what, for listeners that answer a refusal themselves
(:func:`channel_refusal`).
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks.capture import external_user_message
from bot.blocks.text import plain, with_typed_back

log = logging.getLogger(__name__)

DATABASE_DOWN_TEXT = (
    ":warning: I can't reach my database right now, so nothing was saved. "
    "Please try again in a minute; if it keeps happening, tell whoever runs Stagecoach."
)
UNEXPECTED_TEXT = (
    ":warning: Something went wrong on my side and nothing was changed. It has been logged; please try again."
)


class ExternalUser(LookupError):
    """The person behind a request belongs to another organisation (Slack Connect): no member for them."""


def typed_values(body: dict[str, Any]) -> list[str]:
    """The text a person typed (a command's text, a submitted modal), so a failure can hand it back."""
    values = body.get("view", {}).get("state", {}).get("values", {})
    typed: list[str] = [body["text"].strip()] if body.get("command") and str(body.get("text", "")).strip() else []
    for block in values.values():
        for element in block.values():
            value = element.get("value") if isinstance(element, dict) else None
            if isinstance(value, str) and value.strip():
                typed.append(value.strip())
    return typed


def failure_text(error: Exception, body: dict[str, Any]) -> str:
    text = DATABASE_DOWN_TEXT if isinstance(error, SQLAlchemyError) else UNEXPECTED_TEXT
    return with_typed_back(text, typed_values(body))


def handle_listener_error(
    error: Exception, body: dict[str, Any], context: BoltContext, client: WebClient
) -> BoltResponse:
    if context.authorize_result is None:
        # Bolt calls this for failures in its own middleware too, the signature check included, so
        # the body may be anyone's: its user_id, channel and response_url are not acted on, nor logged.
        # An authorize result exists only once the request passed the signature check (it comes
        # first in Bolt's middleware) and authorization.
        log.error("request failed before it was verified", extra={"error": type(error).__name__})
        return BoltResponse(status=401, body="")
    kind = body.get("type") or ("slash_command" if body.get("command") else "unknown")
    if isinstance(error, ExternalUser):
        return answer_external(body, context, client, kind)
    log.error(
        "listener failed",
        exc_info=error,
        extra={
            "team": context.team_id,
            "user": context.user_id,
            "request_type": kind,
            "command": body.get("command"),
            "callback_id": body.get("view", {}).get("callback_id") or body.get("callback_id"),
            "action_id": (body.get("actions") or [{}])[0].get("action_id"),
        },
    )
    tell_user(body, context, client, failure_text(error, body), "about a failure")
    # Before an ack this stands in for it (no "dispatch_failed" in Slack); after one it is ignored.
    return BoltResponse(status=200, body="")


def answer_external(body: dict[str, Any], context: BoltContext, client: WebClient, kind: str) -> BoltResponse:
    """Someone of another org acted (Slack Connect): a polite answer where they acted, no account made.

    A form is answered in the form (before the ack the answer replaces it); anything else through
    ``response_url``, or a DM.
    """
    log.info("refused a user of another organisation", extra={"team": context.team_id, "request_type": kind})
    answer = external_user_message()
    if kind == "view_submission":
        view = {
            "type": "modal",
            "title": plain("Stagecoach", 24),
            "close": plain("Close", 24),
            "blocks": answer["blocks"],
        }
        body_text = json.dumps({"response_action": "update", "view": view})
        return BoltResponse(status=200, body=body_text, headers={"content-type": "application/json"})
    tell_user(body, context, client, str(answer["text"]), "that they are from another organisation")
    return BoltResponse(status=200, body="")


def tell_user(body: dict[str, Any], context: BoltContext, client: WebClient, text: str, about: str) -> None:
    """Answer where the person acted: ephemerally through ``response_url``, else in their DM.

    A failure to tell them is logged (``about`` says what the answer was), never raised.
    """
    response_url = body.get("response_url")
    try:
        if response_url:
            WebhookClient(response_url).send(text=text, response_type="ephemeral", replace_original=False)
        elif context.user_id:
            client.chat_postMessage(channel=context.user_id, text=text)
    except (SlackApiError, OSError):
        log.exception("could not tell the user %s", about, extra={"user": context.user_id})


def error_code(error: SlackApiError) -> str:
    """Slack's error code (``not_in_channel``), or the HTTP status when the answer names none."""
    return str(error.response.get("error") or error.response.status_code)


class ChannelRefusal(StrEnum):
    """Why Slack will not let the bot post in a channel: something a person must change, not a passing fault."""

    NOT_IN_CHANNEL = "not_in_channel"
    """Invite the bot, or pick another channel."""
    ARCHIVED = "archived"
    NOT_ALLOWED = "not_allowed"
    """Posting is restricted there, or the install lacks the scope: an admin's call."""


_CHANNEL_REFUSALS = {
    "not_in_channel": ChannelRefusal.NOT_IN_CHANNEL,
    # A private channel the bot is not in looks, to the bot, like no channel at all.
    "channel_not_found": ChannelRefusal.NOT_IN_CHANNEL,
    "is_archived": ChannelRefusal.ARCHIVED,
    "restricted_action": ChannelRefusal.NOT_ALLOWED,
    "missing_scope": ChannelRefusal.NOT_ALLOWED,
}


def channel_refusal(error: SlackApiError) -> ChannelRefusal | None:
    """What a failed ``chat.postMessage`` to a channel means; None for any other failure."""
    return _CHANNEL_REFUSALS.get(error_code(error))

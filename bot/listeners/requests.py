"""What listeners read from a request (an entry id on a button), and how they answer where they can."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.db.types import parse_row_id
from bot.deps import Deps

Payload = dict[str, Any]
"""What Bolt hands a listener from the request (``body``, ``action``, ``view``, ``command``...), as Slack sent it."""


@dataclass(frozen=True)
class CoachRequest:
    """What a ``/coach`` subcommand handler gets: the parsed request and the means to answer."""

    args: str
    """Everything after the subcommand's name, as Slack sent it (mentions as ``<@U…|name>``)."""
    user_id: str
    member_id: int
    trigger_id: str
    deps: Deps
    client: WebClient
    respond: Respond
    bot_user_id: str | None = None
    """The bot's own user ID, so nobody can name the bot as their manager."""
    team_id: str = ""
    """The workspace the command came from: what delete-my-data and other account actions are scoped to."""


def reply(body: dict[str, Any], respond: Respond, payload: dict[str, Any]) -> None:
    """Answer ephemerally when the request came with a response_url (messages, commands, shortcuts).

    Clicks on the Home tab and modal submissions have none; their answer is the republished Home
    or the modal itself.
    """
    if body.get("response_url"):
        respond(**payload)


def entry_id_of(action: dict[str, Any]) -> int | None:
    """The entry id a button carries; None for anything that is not a positive integer."""
    return parse_row_id(action.get("value"))

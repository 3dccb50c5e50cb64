"""What a ``/coach`` subcommand handler gets: the parsed request and the means to answer."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.deps import Deps


@dataclass(frozen=True)
class CoachRequest:
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

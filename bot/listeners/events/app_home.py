"""``app_home_opened``: publish the member's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack.acting import acting_member_id, first_delivery
from bot.slack.home import publish_home


def app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    # The member is resolved only after these checks (not injected): opening the Messages tab, or
    # Slack retrying an event already handled, must not enroll anyone.
    if event.get("tab") != "home" or not first_delivery(context, body):
        return
    publish_home(client, deps, acting_member_id(context), event["user"])

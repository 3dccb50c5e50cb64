"""``app_home_opened``: publish the member's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.acting import acting_member_id, first_delivery
from bot.slack.deps import deps_of
from bot.slack.home import publish_home


def app_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home" or not first_delivery(context, body):
        return
    publish_home(client, deps_of(context), acting_member_id(context), event["user"])

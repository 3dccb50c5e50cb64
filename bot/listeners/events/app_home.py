"""``app_home_opened``: publish the member's Home tab."""

from __future__ import annotations

from bot.slack.acting import first_delivery
from bot.slack.home import publish_home
from bot.slack.request import Request


def app_home_opened(request: Request) -> None:
    # The member is read (and so resolved) only after these checks: opening the Messages tab, or
    # Slack retrying an event already handled, must not enroll anyone.
    if request.event.get("tab") != "home" or not first_delivery(request.context, request.body):
        return
    publish_home(request.client, request.deps, request.member_id, request.event["user"])

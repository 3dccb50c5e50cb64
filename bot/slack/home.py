"""Publishing a member's App Home (after a change, on a click, when they open the tab)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import home_deleted_view, home_view
from bot.deps import Deps
from bot.services.home import member_home

log = logging.getLogger(__name__)


def publish_home(client: WebClient, deps: Deps, member_id: int, user_id: str, page: int = 0) -> None:
    """Render and publish the member's Home (``page`` of their wins). A failure is logged: what changed is saved."""
    snapshot = member_home(
        deps.db,
        deps.content,
        member_id,
        user_id,
        deps.clock(),
        page=page,
        readiness_months=deps.settings.stagecoach_readiness_months,
        readiness_window=deps.settings.stagecoach_readiness_window_months,
        github_enabled=deps.settings.github_enabled,
    )
    view = home_deleted_view() if snapshot is None else home_view(deps.content, snapshot)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.exception("views.publish failed", extra={"member": member_id, "error": exc.response.get("error")})


def publish_deleted_home(client: WebClient, user_id: str) -> None:
    try:
        client.views_publish(user_id=user_id, view=home_deleted_view())
    except SlackApiError as exc:
        log.exception(
            "views.publish failed after a deletion", extra={"user": user_id, "error": exc.response.get("error")}
        )

"""Home's Settings button (``/coach settings`` opens the same modal), and Home's pages of wins."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import team_details_modal
from bot.blocks.settings import settings_modal
from bot.deps import Deps
from bot.services.home import member_home
from bot.services.settings import current_settings
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)


def open_settings_modal(client: WebClient, deps: Deps, member_id: int, trigger_id: str) -> bool:
    """The settings modal with the member's current values. False if Slack refused to open it."""
    current = current_settings(deps.db, member_id)
    try:
        client.views_open(trigger_id=trigger_id, view=settings_modal(deps.content, current.settings, current.audience))
    except SlackApiError as exc:
        log.exception("views.open failed for settings", extra={"member": member_id, "error": exc.response.get("error")})
        return False
    return True


def open_settings(request: Request) -> None:
    open_settings_modal(request.client, request.deps, request.member_id, request.body["trigger_id"])


def home_wins_page(request: Request) -> None:
    """Home's Newer / Older: republish Home with that page of wins."""
    raw = request.action.get("value")
    page = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
    publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"], page=page)


def open_team_details(request: Request) -> None:
    """A manager's "Team details": each report's months, readiness, her part at their stage, a 1:1 prompt."""
    snapshot = member_home(
        request.deps.db,
        request.deps.content,
        request.member_id,
        request.body["user"]["id"],
        request.deps.clock(),
        readiness_months=request.deps.settings.stagecoach_readiness_months,
        readiness_window=request.deps.settings.stagecoach_readiness_window_months,
    )
    view = team_details_modal(snapshot.team if snapshot is not None else None)
    try:
        request.client.views_open(trigger_id=request.body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.exception(
            "views.open failed for team details",
            extra={"member": request.member_id, "error": exc.response.get("error")},
        )

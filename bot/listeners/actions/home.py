"""Home's Settings button (``/coach settings`` opens the same modal)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.settings import settings_modal
from bot.deps import Deps
from bot.services import brag
from bot.services.settings import settings_of
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.home import publish_home
from bot.slack.registrar import opens_modal

log = logging.getLogger(__name__)


def open_settings_modal(client: WebClient, deps: Deps, member_id: int, trigger_id: str) -> bool:
    """The settings modal with the member's current values. False if Slack refused to open it."""
    with deps.db.transaction() as session:
        member = load_member(session, member_id)
        current = settings_of(member)
        audience = brag.audience_of(session, member)
    try:
        client.views_open(trigger_id=trigger_id, view=settings_modal(deps.content, current, audience))
    except SlackApiError as exc:
        log.exception("views.open failed for settings", extra={"member": member_id, "error": exc.response.get("error")})
        return False
    return True


@opens_modal
def open_settings(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    open_settings_modal(client, deps_of(context), acting_member_id(context), body["trigger_id"])


def home_wins_page(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Home's Newer / Older: republish Home with that page of wins."""
    ack()
    raw = action.get("value")
    page = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
    publish_home(client, deps_of(context), acting_member_id(context), body["user"]["id"], page=page)

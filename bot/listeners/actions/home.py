"""Home's Settings button (``/coach settings`` opens the same modal)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.settings import settings_modal
from bot.listeners.common import acting_member_id
from bot.services.settings import settings_of
from bot.services.stages import load_member
from bot.slack.deps import Deps, deps_of
from bot.slack.registrar import opens_modal

log = logging.getLogger(__name__)


def open_settings_modal(client: WebClient, deps: Deps, member_id: int, trigger_id: str) -> bool:
    """The settings modal with the member's current values. False if Slack refused to open it."""
    with deps.db.transaction() as session:
        current = settings_of(load_member(session, member_id))
    try:
        client.views_open(trigger_id=trigger_id, view=settings_modal(deps.content, current))
    except SlackApiError as exc:
        log.exception("views.open failed for settings", extra={"member": member_id, "error": exc.response.get("error")})
        return False
    return True


@opens_modal
def open_settings(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    open_settings_modal(client, deps_of(context), acting_member_id(context), body["trigger_id"])

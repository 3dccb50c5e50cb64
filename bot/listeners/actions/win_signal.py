"""One tap on Decided / Proposed / Learned / Neither under a saved win: the owner changes its signal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.brag import (
    SIGNAL_ACTIONS,
    not_your_entry_message,
    signal_blocks,
    win_saved_message,
    win_saved_view,
)
from bot.listeners.brag import entry_id_of, publish_home, reply
from bot.listeners.common import acting_member_id
from bot.services import brag, growth
from bot.services.stages import load_member
from bot.slack.deps import deps_of

log = logging.getLogger(__name__)

SIGNAL_OF_ACTION = {action_id: value for value, action_id in SIGNAL_ACTIONS.items()}


def set_win_signal(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    entry_id = entry_id_of(action)
    signal = SIGNAL_OF_ACTION.get(str(action.get("action_id")))
    try:
        if entry_id is None:
            raise brag.NotYourEntry(action.get("value"))
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            entry = brag.set_growth_signal(session, member, entry_id, signal, deps.clock())
            saved = brag.summarize(deps.content, entry)
            item = growth.win_item(deps.content, member.stage, saved.growth_signal, saved.what)
            stage = member.stage
    except brag.NotYourEntry:
        log.warning("signal change refused: not the member's entry", extra={"member": member_id, "entry": entry_id})
        reply(body, respond, not_your_entry_message())
        return
    growth_blocks = signal_blocks(saved.id, saved.growth_signal, item, stage)
    view = body.get("view") or {}
    if body.get("response_url"):
        respond(replace_original=True, **win_saved_message(deps.content, saved, growth_blocks))
    elif view.get("type") == "modal" and view.get("id"):
        # The "Win saved" modal: show the new choice where the tap was made.
        try:
            client.views_update(view_id=view["id"], view=win_saved_view(deps.content, saved, growth_blocks))
        except SlackApiError as exc:
            log.warning("views.update failed after a signal change", extra={"error": exc.response.get("error")})
    publish_home(client, deps, member_id, body["user"]["id"])

"""One tap on Decided / Proposed / Learned / Neither under a saved win: the owner changes its signal.

The card (or the saved-win modal) is redrawn like after any other card button (see evidence.py).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.brag import SIGNAL_ACTIONS
from bot.deps import Deps
from bot.listeners.actions.evidence import answer_card_click
from bot.listeners.requests import entry_id_of
from bot.services import capture

SIGNAL_OF_ACTION = {action_id: value for value, action_id in SIGNAL_ACTIONS.items()}


def set_win_signal(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    deps: Deps,
    member_id: int,
) -> None:
    ack()
    entry_id = entry_id_of(action)
    signal = SIGNAL_OF_ACTION.get(str(action.get("action_id")))

    def change() -> capture.Card:
        return capture.set_signal(deps.db, deps.content, member_id, entry_id, signal, deps.clock())

    answer_card_click(body, respond, client, deps, member_id, entry_id, change)

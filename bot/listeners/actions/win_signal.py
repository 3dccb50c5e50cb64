"""One tap on Decided / Proposed / Learned / Neither under a saved win: the owner changes its signal.

The card (or the saved-win modal) is redrawn like after any other card button (see evidence.py).
"""

from __future__ import annotations

from bot.blocks.brag import SIGNAL_ACTIONS
from bot.deps import Deps
from bot.listeners.actions.evidence import card_button
from bot.listeners.requests import Payload
from bot.services import capture

SIGNAL_OF_ACTION = {action_id: value for value, action_id in SIGNAL_ACTIONS.items()}


def _set_signal(deps: Deps, member_id: int, entry_id: int | None, action: Payload) -> capture.Card:
    signal = SIGNAL_OF_ACTION.get(str(action.get("action_id")))
    return capture.set_signal(deps.db, deps.content, member_id, entry_id, signal, deps.clock())


set_win_signal = card_button("set_win_signal", _set_signal)

"""One tap on Decided / Proposed / Learned / Neither under a saved win: the owner changes its signal.

The card (or the saved-win modal) is redrawn like after any other card button (see evidence.py).
"""

from __future__ import annotations

from bot.blocks.brag import SIGNAL_ACTIONS
from bot.blocks.capture import CARD_MORE_EVIDENCE, parse_card_more_value
from bot.deps import Deps
from bot.listeners.actions.evidence import card_button, change_evidence
from bot.listeners.requests import Payload
from bot.services import capture
from bot.slack.handling import Policy
from bot.slack.request import Request

SIGNAL_OF_ACTION = {action_id: value for value, action_id in SIGNAL_ACTIONS.items()}


def _set_signal(deps: Deps, member_id: int, entry_id: int | None, action: Payload) -> capture.Card:
    signal = SIGNAL_OF_ACTION.get(str(action.get("action_id")))
    return capture.set_signal(deps.db, deps.content, member_id, entry_id, signal, deps.clock())


set_win_signal = card_button("set_win_signal", _set_signal)


def _card_more_choice(body: Payload) -> str | None:
    actions = body.get("actions") or [{}]
    selected = (actions[0] or {}).get("selected_option") or {}
    return parse_card_more_value(selected.get("value"))[0]


def card_more_policy(body: Payload) -> Policy:
    """The evidence picker opens a modal; a tag is set after the ack."""
    return Policy.OPENS_MODAL if _card_more_choice(body) == CARD_MORE_EVIDENCE else Policy.AFTER_ACK


def card_more(request: Request) -> None:
    """A card's overflow menu: the evidence picker, or a decided / proposed / learned tag, as its buttons did."""
    choice, entry_id = parse_card_more_value((request.action.get("selected_option") or {}).get("value"))
    if choice is None or entry_id is None:
        return
    if choice == CARD_MORE_EVIDENCE:
        change_evidence(request.with_action({"value": str(entry_id)}))
        return
    tapped = {"action_id": SIGNAL_ACTIONS[choice], "value": str(entry_id)}
    set_win_signal(request.with_action(tapped))

"""One tap on Decided / Proposed / Learned / Neither under a saved win: the owner changes its signal.

The card (or the saved-win modal) is redrawn like after any other card button (see evidence.py).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.brag import SIGNAL_ACTIONS
from bot.db.models import Member
from bot.listeners.actions.evidence import apply_card_change
from bot.services import brag
from bot.slack.deps import deps_of

SIGNAL_OF_ACTION = {action_id: value for value, action_id in SIGNAL_ACTIONS.items()}


def set_win_signal(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    signal = SIGNAL_OF_ACTION.get(str(action.get("action_id")))

    def change(session: Session, member: Member, entry_id: int) -> None:
        brag.set_growth_signal(session, member, entry_id, signal, deps.clock())

    apply_card_change(action, body, respond, client, context, change)

"""The "remove this link" button under ``/coach manager``: only the report can remove their link."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.blocks.manager import manager_unlinked_message
from bot.deps import Deps
from bot.services import managers


def unlink_manager(ack: Ack, respond: Respond, deps: Deps, member_id: int) -> None:
    ack()
    # Acts on the clicking user's own member row only: a replayed click cannot touch anyone else's link.
    unlinked = managers.unlink_manager(deps.db, member_id)
    respond(replace_original=True, **manager_unlinked_message(unlinked.previous, unlinked.made_private))

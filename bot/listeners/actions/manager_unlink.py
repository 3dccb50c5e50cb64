"""The "remove this link" button under ``/coach manager``: only the report can remove their link."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond

from bot.blocks.manager import manager_unlinked_message
from bot.services import managers
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of


def unlink_manager(ack: Ack, respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    # Acts on the clicking user's own member row only: a replayed click cannot touch anyone else's link.
    with deps.db.transaction() as session:
        previous = managers.unlink_manager(load_member(session, acting_member_id(context)))
    respond(replace_original=True, **manager_unlinked_message(previous))

"""The "remove this link" button under ``/coach manager``: only the report can remove their link."""

from __future__ import annotations

from bot.blocks.manager import manager_unlinked_message
from bot.services import managers
from bot.slack.request import Request


def unlink_manager(request: Request) -> None:
    # Acts on the clicking user's own member row only: a replayed click cannot touch anyone else's link.
    unlinked = managers.unlink_manager(request.deps.db, request.member_id)
    request.respond(replace_original=True, **manager_unlinked_message(unlinked.previous, unlinked.made_private))

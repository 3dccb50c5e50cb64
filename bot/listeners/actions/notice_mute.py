""" "Don't message me about them", under a message someone else's action made the bot send."""

from __future__ import annotations

import re

from bot.blocks.manager import notice_muted_message
from bot.services import notices
from bot.slack.request import Request

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


def mute_notices(request: Request) -> None:
    # A button carries the report's id as its value; the coalesced notice's overflow menu (over 4 reports)
    # in its selected option.
    about = str(request.action.get("value") or (request.action.get("selected_option") or {}).get("value") or "")
    if not _USER_ID.fullmatch(about):
        return  # not a value we put there: nothing to mute
    # The clicker's own mute only: a replayed click mutes nothing on anyone else's behalf.
    newly = notices.mute(request.deps.db, request.member_id, about, request.deps.clock())
    request.respond(replace_original=False, **notice_muted_message(about, newly))

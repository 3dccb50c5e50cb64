""" "Don't message me about them", under a message someone else's action made the bot send."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, Respond

from bot.blocks.manager import notice_muted_message
from bot.deps import Deps
from bot.services import notices

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


def mute_notices(ack: Ack, action: dict[str, Any], respond: Respond, deps: Deps, member_id: int) -> None:
    ack()
    about = str(action.get("value") or "")
    if not _USER_ID.fullmatch(about):
        return  # not a value we put there: nothing to mute
    # The clicker's own mute only: a replayed click mutes nothing on anyone else's behalf.
    newly = notices.mute(deps.db, member_id, about, deps.clock())
    respond(replace_original=False, **notice_muted_message(about, newly))

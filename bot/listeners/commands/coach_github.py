"""``/coach github [connect [private] | find | disconnect]``: link a GitHub account, find this week's work now."""

from __future__ import annotations

from bot.blocks.github import (
    connect_message,
    disconnected_message,
    found_message,
    github_off_message,
    github_status_message,
    nothing_found_message,
    revoked_message,
    unavailable_message,
    wait_message,
)
from bot.listeners.requests import CoachRequest
from bot.services import found
from bot.services.found import FindOutcome


def github_subcommand(request: CoachRequest) -> None:
    deps = request.deps
    if not deps.settings.github_enabled:
        request.respond(**github_off_message())
        return
    words = request.args.lower().split()
    action = words[0] if words else ""
    if action == "connect":
        url = found.start_connect(deps.db, deps.settings, request.member_id, "private" in words[1:], deps.clock())
        request.respond(**(connect_message(url, "private" in words[1:]) if url else github_off_message()))
    elif action == "disconnect":
        request.respond(**disconnected_message(found.disconnect(deps.db, deps.settings, request.member_id)))
    elif action == "find":
        offer = found.find_now(deps.db, deps.settings, deps.content, request.member_id, deps.clock())
        if offer.outcome is FindOutcome.OFFERED:
            request.respond(**found_message(deps.content, offer.items))
        elif offer.outcome is FindOutcome.WAIT and offer.until is not None:
            request.respond(**wait_message(offer.until))
        elif offer.outcome is FindOutcome.REVOKED:
            request.respond(**revoked_message(offer.login))
        elif offer.outcome is FindOutcome.UNAVAILABLE:
            request.respond(**unavailable_message())
        elif offer.outcome is FindOutcome.NOTHING:
            request.respond(**nothing_found_message())
        else:
            request.respond(**github_status_message(found.status(deps.db, deps.settings, request.member_id)))
    else:
        request.respond(**github_status_message(found.status(deps.db, deps.settings, request.member_id)))

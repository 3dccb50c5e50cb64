"""The stuck timer's buttons (in the nudge DM and the ``/stuck`` confirmation), and the offer to save
asking early as a win ("Save as a win" / "No thanks"). Owner-checked."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.blocks.capture import card_message
from bot.blocks.nudges import (
    help_request_modal,
    not_yours_message,
    stuck_closed_message,
    stuck_extended_message,
    stuck_resolved_message,
    stuck_win_declined_message,
    stuck_win_unavailable_message,
)
from bot.db.types import parse_row_id
from bot.services import stuck as stuck_service
from bot.slack.home import publish_home
from bot.slack.request import Request


def _session_id(action: dict[str, Any]) -> int:
    return parse_row_id(action.get("value")) or -1


def _not_yours(respond: Respond) -> None:
    respond(response_type="ephemeral", replace_original=False, **not_yours_message())


def stuck_unblocked(request: Request) -> None:
    deps, member_id = request.deps, request.member_id
    try:
        closed = stuck_service.unblock(
            deps.db, deps.content, member_id, _session_id(request.action), deps.clock(), deps.settings.stuck_minutes
        )
    except stuck_service.NotYourSession:
        _not_yours(request.respond)
        return
    if closed.changed:
        request.respond(
            replace_original=True,
            **stuck_resolved_message(minutes=closed.minutes, offer=closed.offer),
        )
    else:
        request.respond(replace_original=True, **stuck_closed_message())


def stuck_more_time(request: Request) -> None:
    try:
        due = stuck_service.more_time(
            request.deps.db, request.member_id, _session_id(request.action), request.deps.clock()
        )
    except stuck_service.NotYourSession:
        _not_yours(request.respond)
        return
    request.respond(replace_original=True, **(stuck_closed_message() if due is None else stuck_extended_message(due)))


def stuck_draft_help(request: Request) -> None:
    try:
        draft = stuck_service.help_draft(request.deps.db, request.member_id, _session_id(request.action))
    except stuck_service.NotYourSession:
        _not_yours(request.respond)
        return
    if draft is None:
        request.respond(replace_original=True, **stuck_closed_message())
    else:
        request.client.views_open(
            trigger_id=request.body["trigger_id"],
            view=help_request_modal(session_id=draft.session_id, tried=draft.tried),
        )


def stuck_save_win(request: Request) -> None:
    """ "Save as a win": the one place the stuck flow writes a win, and only on this tap."""
    deps, member_id = request.deps, request.member_id
    try:
        card = stuck_service.save_offered_win(
            deps.db, deps.content, member_id, _session_id(request.action), deps.clock(), deps.settings.stuck_minutes
        )
    except stuck_service.NotYourSession:
        _not_yours(request.respond)
        return
    if card is None:
        request.respond(replace_original=True, **stuck_win_unavailable_message())
        return
    request.respond(replace_original=True, **card_message(deps.content, card))
    publish_home(request.client, deps, member_id, request.body["user"]["id"])


def stuck_no_win(request: Request) -> None:
    """ "No thanks": nothing is saved, and the offer goes."""
    request.respond(replace_original=True, **stuck_win_declined_message())

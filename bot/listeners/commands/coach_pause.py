"""``/coach pause until <date>`` and ``/coach resume``."""

from __future__ import annotations

import logging

from bot.blocks.pause import pause_problem_message, pause_set_message, resumed_message
from bot.listeners.requests import CoachRequest
from bot.services import pause

log = logging.getLogger(__name__)


def pause_subcommand(request: CoachRequest) -> None:
    deps = request.deps
    try:
        until = pause.parse_pause_date(request.args)
        pause.pause_member(deps.db, request.member_id, until, deps.clock())
    except pause.PauseInputError as problem:
        log.info("pause refused", extra={"member": request.member_id})
        request.respond(**pause_problem_message(str(problem)))
        return
    request.respond(**pause_set_message(until))


def resume_subcommand(request: CoachRequest) -> None:
    was_paused = pause.resume_member(request.deps.db, request.member_id, request.deps.clock())
    request.respond(**resumed_message(was_paused))

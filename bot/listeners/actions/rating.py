"""The review conversation's buttons: the report opens their rating form; the invited manager opens theirs."""

from __future__ import annotations

import logging
from datetime import date

from bot.blocks.brag import problem_message
from bot.blocks.ratings import rating_modal
from bot.listeners.requests import reply
from bot.services import ratings
from bot.slack.request import Request

log = logging.getLogger(__name__)

SELF_REFUSED = "That review date is no longer yours (or you have no stage set), so there is nothing to rate."
MANAGER_REFUSED = "Only a manager the report invited (and still names) can rate their criteria. Nothing to show."


def open_self_rating(request: Request) -> None:
    try:
        review_date = date.fromisoformat(str(request.action.get("value")))
        form = ratings.self_rating_form(
            request.deps.db, request.deps.content, request.member_id, review_date, request.deps.clock()
        )
    except (ValueError, ratings.RatingRefused):
        log.info("self-rating refused", extra={"member": request.member_id})
        reply(request.body, request.respond, problem_message(SELF_REFUSED))
        return
    request.client.views_open(trigger_id=request.body["trigger_id"], view=rating_modal(form))


def open_manager_rating(request: Request) -> None:
    raw = str(request.action.get("value") or "")
    try:
        if not raw.isdigit():
            raise ratings.RatingRefused(raw)
        form = ratings.manager_rating_form(request.deps.db, request.deps.content, request.member_id, int(raw))
    except ratings.RatingRefused:
        log.warning("manager rating refused: not invited", extra={"member": request.member_id, "conversation": raw})
        reply(request.body, request.respond, problem_message(MANAGER_REFUSED))
        return
    request.client.views_open(trigger_id=request.body["trigger_id"], view=rating_modal(form))

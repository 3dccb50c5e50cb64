"""The review conversation's buttons: the report opens their rating form; the invited manager opens theirs."""

from __future__ import annotations

import logging
from datetime import date

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.brag import problem_message
from bot.blocks.ratings import rating_modal
from bot.deps import Deps
from bot.listeners.requests import Payload, reply
from bot.services import ratings

log = logging.getLogger(__name__)

SELF_REFUSED = "That review date is no longer yours (or you have no stage set), so there is nothing to rate."
MANAGER_REFUSED = "Only a manager the report invited (and still names) can rate their criteria. Nothing to show."


def open_self_rating(
    ack: Ack, action: Payload, body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    try:
        review_date = date.fromisoformat(str(action.get("value")))
        form = ratings.self_rating_form(deps.db, deps.content, member_id, review_date, deps.clock())
    except (ValueError, ratings.RatingRefused):
        log.info("self-rating refused", extra={"member": member_id})
        reply(body, respond, problem_message(SELF_REFUSED))
        return
    client.views_open(trigger_id=body["trigger_id"], view=rating_modal(form))


def open_manager_rating(
    ack: Ack, action: Payload, body: Payload, respond: Respond, client: WebClient, deps: Deps, member_id: int
) -> None:
    ack()
    raw = str(action.get("value") or "")
    try:
        if not raw.isdigit():
            raise ratings.RatingRefused(raw)
        form = ratings.manager_rating_form(deps.db, deps.content, member_id, int(raw))
    except ratings.RatingRefused:
        log.warning("manager rating refused: not invited", extra={"member": member_id, "conversation": raw})
        reply(body, respond, problem_message(MANAGER_REFUSED))
        return
    client.views_open(trigger_id=body["trigger_id"], view=rating_modal(form))

"""The rating modal's submission: the report's ratings (and invitation), or the invited manager's."""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks import ids
from bot.blocks.ratings import decode_rating_metadata, rating_saved_view
from bot.listeners.view_state import selected_value, selected_values
from bot.services import ratings
from bot.slack.request import Request

log = logging.getLogger(__name__)

REFUSED = "These ratings can't be saved: the form is no longer yours to fill in."


def _answers(view: dict[str, Any]) -> dict[str, str | None]:
    values = view.get("state", {}).get("values", {})
    return {
        block_id.removeprefix(ids.RATING_BLOCK_PREFIX): selected_value(view, block_id, ids.RATING_INPUT)
        for block_id in values
        if block_id.startswith(ids.RATING_BLOCK_PREFIX)
    }


def submit_rating(request: Request) -> None:
    meta = decode_rating_metadata(request.view.get("private_metadata"))
    first_block = next(iter(request.view.get("state", {}).get("values", {})), ids.RATING_INVITE_BLOCK)
    if meta is None:
        request.ack(response_action="errors", errors={first_block: REFUSED})
        return
    conversation_id, rater = meta
    answers = _answers(request.view)
    invite = "invite" in selected_values(request.view, ids.RATING_INVITE_BLOCK, ids.RATING_INPUT)
    try:
        saved = ratings.save_ratings(
            request.deps.db,
            request.deps.content,
            request.member_id,
            conversation_id,
            rater,
            answers,
            invite,
            request.deps.clock(),
        )
    except ratings.RatingInputError as error:
        request.ack(response_action="errors", errors={ids.RATING_BLOCK_PREFIX + error.criterion_key: str(error)})
        return
    except ratings.RatingRefused:
        log.warning("rating submission refused", extra={"member": request.member_id, "conversation": conversation_id})
        request.ack(response_action="errors", errors={first_block: REFUSED})
        return
    log.info("ratings saved", extra={"member": request.member_id, "conversation": conversation_id, "rater": rater})
    request.ack(response_action="update", view=rating_saved_view(saved))

"""The review-date modal: save the date (reminders follow two weeks and two days before)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.feedback import review_date_saved_view
from bot.services import review
from bot.slack.request import Request


def _picked(view: dict[str, Any]) -> date | None:
    raw = view["state"]["values"].get(ids.REVIEW_DATE_BLOCK, {}).get(ids.REVIEW_INPUT, {}).get("selected_date")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def submit_review_date(request: Request) -> None:
    picked = _picked(request.view)
    if picked is None:
        request.ack(response_action="errors", errors={ids.REVIEW_DATE_BLOCK: "Pick the date of your next review."})
        return
    try:
        review.save_review_date(request.deps.db, request.member_id, picked, request.deps.clock())
    except review.ReviewDateError as error:
        request.ack(response_action="errors", errors={ids.REVIEW_DATE_BLOCK: str(error)})
        return
    request.ack(response_action="update", view=review_date_saved_view(picked))

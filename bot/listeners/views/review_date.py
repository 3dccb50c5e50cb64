"""The review-date modal: save the date (reminders follow two weeks and two days before)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blocks import ids
from bot.blocks.feedback import review_date_saved_view
from bot.services import review
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of


def _picked(view: dict[str, Any]) -> date | None:
    raw = view["state"]["values"].get(ids.REVIEW_DATE_BLOCK, {}).get(ids.REVIEW_INPUT, {}).get("selected_date")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def submit_review_date(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    picked = _picked(view)
    if picked is None:
        ack(response_action="errors", errors={ids.REVIEW_DATE_BLOCK: "Pick the date of your next review."})
        return
    deps = deps_of(context)
    try:
        with deps.db.transaction() as session:
            member = load_member(session, acting_member_id(context))
            review.set_review_date(member, picked, review.local_today(member, deps.clock()))
    except review.ReviewDateError as error:
        ack(response_action="errors", errors={ids.REVIEW_DATE_BLOCK: str(error)})
        return
    ack(response_action="update", view=review_date_saved_view(picked))

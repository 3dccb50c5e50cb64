"""The "set review date" button: opens the review-date modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.feedback import review_date_modal
from bot.deps import Deps
from bot.services import review


def open_review_date(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps, member_id: int) -> None:
    ack()
    form = review.review_date_form(deps.db, member_id, deps.clock())
    client.views_open(trigger_id=body["trigger_id"], view=review_date_modal(form.current, form.today))

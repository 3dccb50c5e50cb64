"""The "set review date" button: opens the review-date modal."""

from __future__ import annotations

from bot.blocks.feedback import review_date_modal
from bot.services import review
from bot.slack.request import Request


def open_review_date(request: Request) -> None:
    form = review.review_date_form(request.deps.db, request.member_id, request.deps.clock())
    request.client.views_open(trigger_id=request.body["trigger_id"], view=review_date_modal(form.current, form.today))

"""The "set review date" button: opens the review-date modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.feedback import review_date_modal
from bot.services.review import local_today
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.registrar import opens_modal


@opens_modal
def open_review_date(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    with deps.db.transaction() as session:
        member = load_member(session, acting_member_id(context))
        current, today = member.review_date, local_today(member, deps.clock())
    client.views_open(trigger_id=body["trigger_id"], view=review_date_modal(current, today))

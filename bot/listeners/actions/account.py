"""Delete-my-data confirmation buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.coach import (
    data_deleted_message,
    delete_cancelled_message,
    delete_refused_message,
    nothing_to_delete_message,
)
from bot.services import account
from bot.services.members import find_member
from bot.slack.deps import deps_of
from bot.slack.home import publish_deleted_home

log = logging.getLogger(__name__)


def confirm_delete_my_data(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    user_id = body["user"]["id"]
    # Looked up, not enrolled: a second click must not create a fresh profile just to refuse it.
    with deps.db.transaction() as session:
        member = find_member(session, context.team_id or "", user_id)
        member_id = member.id if member is not None else None
    if member_id is None:
        respond(replace_original=True, **nothing_to_delete_message())
        return
    # The button names the member it was shown to; anyone else's click (or a stale button) deletes nothing.
    if action.get("value") != str(member_id):
        log.warning("delete-my-data refused: the button was for another member", extra={"member": member_id})
        respond(**delete_refused_message())
        return
    with deps.db.transaction() as session:
        report = account.delete_all_data(session, user_id, context.team_id or "")
    deps.db.scrub()
    log.info(
        "deleted a member's data",
        extra={"members": report.members, "entries": report.entries, "deliveries": report.deliveries},
    )
    respond(replace_original=True, **data_deleted_message(report))
    publish_deleted_home(client, user_id)


def cancel_delete_my_data(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **delete_cancelled_message())

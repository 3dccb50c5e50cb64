"""Delete-my-data confirmation buttons."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.coach import (
    data_deleted_message,
    delete_cancelled_message,
    delete_refused_message,
    nothing_to_delete_message,
)
from bot.db.types import parse_row_id
from bot.deps import Deps
from bot.listeners.requests import Payload
from bot.services import account
from bot.services.account import DeletionOutcome
from bot.slack.home import publish_deleted_home


def confirm_delete_my_data(
    ack: Ack, action: Payload, body: Payload, respond: Respond, client: WebClient, context: BoltContext, deps: Deps
) -> None:
    # No member_id: injecting it would enroll the person, and a second click must find nothing to delete.
    ack()
    user_id = body["user"]["id"]
    # The button names the member it was shown to.
    deletion = account.delete_my_data(deps.db, user_id, context.team_id or "", parse_row_id(action.get("value")))
    if deletion.report is not None:
        respond(replace_original=True, **data_deleted_message(deletion.report))
        publish_deleted_home(client, user_id)
    elif deletion.outcome is DeletionOutcome.NOTHING:
        respond(replace_original=True, **nothing_to_delete_message())
    else:
        respond(**delete_refused_message())


def cancel_delete_my_data(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **delete_cancelled_message())

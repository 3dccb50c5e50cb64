"""Delete-my-data confirmation buttons."""

from __future__ import annotations

from bot.blocks.coach import (
    data_deleted_message,
    delete_cancelled_message,
    delete_refused_message,
    nothing_to_delete_message,
)
from bot.db.types import parse_row_id
from bot.services import account
from bot.services.account import DeletionOutcome
from bot.slack.home import publish_deleted_home
from bot.slack.request import Request


def confirm_delete_my_data(request: Request) -> None:
    # Never reads request.member_id: resolving it would enroll the person, and a second click must find
    # nothing to delete.
    user_id = request.body["user"]["id"]
    # The button names the member it was shown to.
    deletion = account.delete_my_data(
        request.deps.db, user_id, request.context.team_id or "", parse_row_id(request.action.get("value"))
    )
    if deletion.report is not None:
        request.respond(replace_original=True, **data_deleted_message(deletion.report))
        publish_deleted_home(request.client, user_id)
    elif deletion.outcome is DeletionOutcome.NOTHING:
        request.respond(replace_original=True, **nothing_to_delete_message())
    else:
        request.respond(**delete_refused_message())


def cancel_delete_my_data(request: Request) -> None:
    request.respond(replace_original=True, **delete_cancelled_message())

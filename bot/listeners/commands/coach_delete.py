"""``/coach delete-my-data``: show what would go, and ask for confirmation first."""

from __future__ import annotations

from bot.blocks.coach import delete_confirmation_message
from bot.listeners.requests import CoachRequest
from bot.services import account


def delete_my_data_subcommand(request: CoachRequest) -> None:
    summary = account.summarize(request.deps.db, request.user_id, request.team_id)
    request.respond(**delete_confirmation_message(summary, request.member_id))

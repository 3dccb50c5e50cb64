"""``/coach manager [@someone | remove]``: name (or remove) the manager who sees your shared wins."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks.manager import (
    manager_linked_message,
    manager_notice_message,
    manager_status_message,
    manager_unlinked_message,
    manager_usage_message,
)
from bot.listeners.requests import CoachRequest
from bot.services import brag, managers, mentions
from bot.services.stages import load_member

log = logging.getLogger(__name__)
REMOVE_WORDS = {"remove", "none", "off", "unlink"}


def manager_subcommand(request: CoachRequest) -> None:
    args = request.args.strip()
    deps = request.deps
    if not args:
        with deps.db.transaction() as session:
            current = load_member(session, request.member_id).manager_slack_user_id
        request.respond(**manager_status_message(current))
        return
    if args.lower() in REMOVE_WORDS:
        with deps.db.transaction() as session:
            previous = managers.unlink_manager(load_member(session, request.member_id))
        request.respond(**manager_unlinked_message(previous))
        return
    manager_id = mentions.user_id(args)
    if manager_id is None:
        request.respond(**manager_usage_message("I couldn't tell who you meant."))
        return
    try:
        with deps.db.transaction() as session:
            member = load_member(session, request.member_id)
            unchanged = member.manager_slack_user_id == manager_id
            previous = managers.link_manager(member, manager_id, deps.clock(), request.bot_user_id)
            channel_id = brag.audience_of(session, member).channel_id
    except managers.ManagerLinkError as error:
        request.respond(**manager_usage_message(str(error)))
        return
    request.respond(
        **manager_linked_message(manager_id, changed=not unchanged, previous=previous, digest_channel_id=channel_id)
    )
    if not unchanged:
        try:
            request.client.chat_postMessage(channel=manager_id, **manager_notice_message(request.user_id))
        except SlackApiError as error:
            log.warning(
                "could not tell a manager they were named",
                extra={"manager": manager_id, "error": error.response.get("error")},
            )

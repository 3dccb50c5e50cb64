"""``/coach manager [@someone | remove]``: name (or remove) the manager who sees your shared wins."""

from __future__ import annotations

from bot.blocks.manager import (
    manager_linked_message,
    manager_notice_queued_message,
    manager_status_message,
    manager_unlinked_message,
    manager_usage_message,
    notice_held_message,
)
from bot.listeners.requests import CoachRequest
from bot.services import managers
from bot.services.notices import ACTOR_DAILY_LIMIT, Notice
from bot.slack import mentions

REMOVE_WORDS = {"remove", "none", "off", "unlink"}


def manager_subcommand(request: CoachRequest) -> None:
    args = request.args.strip()
    db = request.deps.db
    if not args:
        request.respond(**manager_status_message(managers.manager_of(db, request.member_id)))
        return
    if args.lower() in REMOVE_WORDS:
        unlinked = managers.unlink_manager(db, request.member_id)
        request.respond(**manager_unlinked_message(unlinked.previous, unlinked.made_private))
        return
    manager_id = mentions.user_id(args)
    if manager_id is None:
        request.respond(**manager_usage_message("I couldn't tell who you meant."))
        return
    try:
        linked = managers.link_manager(db, request.member_id, manager_id, request.deps.clock(), request.bot_user_id)
    except managers.ManagerLinkError as error:
        request.respond(**manager_usage_message(str(error)))
        return
    request.respond(
        **manager_linked_message(
            manager_id,
            changed=linked.changed,
            previous=linked.previous,
            digest_channel_id=linked.digest_channel_id,
            made_private=linked.made_private,
        )
    )
    if linked.notice == Notice.SEND or linked.notice == Notice.HELD_TODAY:
        # Already on tomorrow's list (HELD_TODAY: named them earlier today too): the same answer.
        request.respond(**manager_notice_queued_message(manager_id))
    elif linked.notice in {Notice.MUTED, Notice.ACTOR_LIMIT}:
        limit = ACTOR_DAILY_LIMIT if linked.notice == Notice.ACTOR_LIMIT else 0
        request.respond(**notice_held_message(manager_id, muted=linked.notice == Notice.MUTED, limit=limit))

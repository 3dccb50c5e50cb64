"""``/coach digest [#channel | off]``: where a manager's weekly team digest is posted."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks.manager import (
    digest_cannot_post_message,
    digest_channel_announcement,
    digest_off_message,
    digest_set_message,
    digest_status_message,
    digest_usage_message,
)
from bot.listeners.requests import CoachRequest
from bot.services import managers, mentions
from bot.services.stages import load_member

log = logging.getLogger(__name__)
OFF_WORDS = {"off", "stop", "none", "remove"}
# Slack's answers that mean "the bot cannot post in that channel" (as opposed to a passing fault).
CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "missing_scope"}


def digest_subcommand(request: CoachRequest) -> None:
    args = request.args.strip()
    deps = request.deps
    with deps.db.transaction() as session:
        manager = load_member(session, request.member_id)
        reports = managers.report_count(session, manager.workspace_id, manager.slack_user_id)
        current = manager.digest_channel_id
    if not args:
        request.respond(**digest_status_message(current, reports))
        return
    if args.lower() in OFF_WORDS:
        with deps.db.transaction() as session:
            managers.set_digest_channel(load_member(session, request.member_id), None)
        request.respond(**digest_off_message())
        return
    channel_id = mentions.channel_id(args)
    if channel_id is None:
        request.respond(**digest_usage_message())
        return
    try:
        # Posting the announcement is the check: it fails exactly when a digest would.
        request.client.chat_postMessage(channel=channel_id, **digest_channel_announcement(request.user_id))
    except SlackApiError as error:
        reason = error.response.get("error")
        if reason not in CANNOT_POST:
            raise
        log.info("digest channel refused", extra={"channel": channel_id, "error": reason})
        request.respond(**digest_cannot_post_message(channel_id))
        return
    with deps.db.transaction() as session:
        managers.set_digest_channel(load_member(session, request.member_id), channel_id)
    request.respond(**digest_set_message(channel_id, reports))

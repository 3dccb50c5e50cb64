"""``/coach digest [#channel | off]``: where a manager's weekly team digest is posted."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks.manager import (
    digest_cannot_post_message,
    digest_channel_announcement,
    digest_channel_notice,
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
            manager = load_member(session, request.member_id)
            managers.set_digest_channel(manager, None)
            told = managers.report_user_ids(session, manager.workspace_id, manager.slack_user_id)
        request.respond(**digest_off_message())
        if current is not None:
            _tell_reports(request, told, None, current)
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
        manager = load_member(session, request.member_id)
        managers.set_digest_channel(manager, channel_id)
        told = managers.report_user_ids(session, manager.workspace_id, manager.slack_user_id)
    request.respond(**digest_set_message(channel_id, reports))
    if channel_id != current:
        _tell_reports(request, told, channel_id, current)


def _tell_reports(request: CoachRequest, report_ids: list[str], channel_id: str | None, previous: str | None) -> None:
    """DM every report where their team-channel wins will appear from now on (one DM each, by user ID)."""
    notice = digest_channel_notice(request.user_id, channel_id, previous)
    failed = 0
    for report_id in report_ids:
        try:
            request.client.chat_postMessage(channel=report_id, **notice)
        except SlackApiError as error:
            failed += 1
            log.warning(
                "could not tell a report about the digest channel",
                extra={"report": report_id, "error": error.response.get("error")},
            )
    log.info("reports told about the digest channel", extra={"reports": len(report_ids), "failed": failed})

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
    notice_held_message,
    reports_held_message,
)
from bot.listeners.requests import CoachRequest
from bot.services import managers
from bot.services.managers import DigestChannel
from bot.slack import mentions
from bot.slack.errors import channel_refusal, error_code

log = logging.getLogger(__name__)
OFF_WORDS = {"off", "stop", "none", "remove"}


def digest_subcommand(request: CoachRequest) -> None:
    args = request.args.strip()
    db = request.deps.db
    if not args:
        status = managers.digest_channel(db, request.member_id)
        request.respond(**digest_status_message(status.channel_id, status.reports))
        return
    if args.lower() in OFF_WORDS:
        stopped = managers.set_digest_channel(db, request.member_id, None, request.deps.clock())
        request.respond(**digest_off_message())
        _tell_reports(request, stopped)
        return
    channel_id = mentions.channel_id(args)
    if channel_id is None:
        request.respond(**digest_usage_message())
        return
    # Announced once a day per channel at most, and never when the digest already posts there (30
    # `/coach digest #general` posted 30 announcements).
    announce = managers.claim_digest_announcement(db, request.member_id, channel_id, request.deps.clock())
    if announce:
        try:
            # Posting the announcement is the check: it fails exactly when a digest would.
            request.client.chat_postMessage(channel=channel_id, **digest_channel_announcement(request.user_id))
        except SlackApiError as error:
            if channel_refusal(error) is None:
                raise
            log.info("digest channel refused", extra={"channel": channel_id, "error": error_code(error)})
            request.respond(**digest_cannot_post_message(channel_id))
            return
    moved = managers.set_digest_channel(db, request.member_id, channel_id, request.deps.clock())
    request.respond(**digest_set_message(channel_id, moved.reports))
    if not announce and moved.previous != channel_id:
        request.respond(**notice_held_message(channel_id, channel=True))
    _tell_reports(request, moved)


def _tell_reports(request: CoachRequest, change: DigestChannel) -> None:
    """DM every report where their team-channel wins will appear from now on (one DM each, by user ID).

    Only when the channel changed: turning off a digest that was off, or naming the same channel, tells nobody.
    """
    if change.channel_id == change.previous:
        return
    if change.held or change.muted:
        request.respond(**reports_held_message(change.held, change.muted))
    notice = digest_channel_notice(request.user_id, change.channel_id, change.previous)
    failed = 0
    for report_id in change.report_user_ids:
        try:
            request.client.chat_postMessage(channel=report_id, **notice)
        except SlackApiError as error:
            failed += 1
            log.warning(
                "could not tell a report about the digest channel",
                extra={"report": report_id, "error": error.response.get("error")},
            )
    log.info("reports told about the digest channel", extra={"reports": len(change.report_user_ids), "failed": failed})

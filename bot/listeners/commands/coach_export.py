"""``/coach export``: the brag document (Markdown) and all the member's data (JSON), as files in their DM."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.blocks.coach import (
    export_busy_message,
    export_comment,
    export_failed_message,
    export_sent_message,
    export_started_message,
)
from bot.listeners.requests import CoachRequest
from bot.services import export

log = logging.getLogger(__name__)


def export_subcommand(request: CoachRequest) -> None:
    try:
        with export.export_slot(request.member_id):
            _export(request)
    except export.ExportBusy as busy:
        log.info("export refused: one at a time", extra={"member": request.member_id, "own": busy.own})
        request.respond(**export_busy_message(busy.own))


def _export(request: CoachRequest) -> None:
    request.respond(**export_started_message())
    deps = request.deps
    files = export.export_files(deps.db, deps.content, request.member_id, deps.clock())
    try:
        dm = request.client.conversations_open(users=request.user_id)["channel"]["id"]
        request.client.files_upload_v2(
            channel=dm,
            file_uploads=[
                {"content": files.markdown, "filename": files.markdown_name, "title": "Brag document"},
                {"content": files.document, "filename": files.json_name, "title": "All my Stagecoach data"},
            ],
            initial_comment=export_comment(files.entries),
        )
    except (SlackApiError, SlackRequestError):
        log.exception("export delivery failed", extra={"member": request.member_id, "entries": files.entries})
        request.respond(replace_original=True, **export_failed_message())
        return
    log.info("export delivered", extra={"member": request.member_id, "entries": files.entries})
    request.respond(replace_original=True, **export_sent_message(files.entries))

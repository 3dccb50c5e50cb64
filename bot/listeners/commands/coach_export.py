"""``/coach export``: the brag document (Markdown) and all the member's data (JSON), as files in their DM."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

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
from bot.webapi.uploads import FileToUpload, upload_files

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
    # Written to files and uploaded from them, so memory stays bounded whatever the brag document's length.
    with tempfile.TemporaryDirectory(prefix="stagecoach-export-") as folder:
        files = export.export_files(deps.db, deps.content, request.member_id, deps.clock(), Path(folder))
        try:
            dm = request.client.conversations_open(users=request.user_id)["channel"]["id"]
            upload_files(
                request.client,
                dm,
                [
                    FileToUpload(files.markdown, files.markdown_name, "Brag document"),
                    FileToUpload(files.document, files.json_name, "All my Stagecoach data"),
                ],
                export_comment(files.entries),
            )
        except (SlackApiError, SlackRequestError):
            log.exception("export delivery failed", extra={"member": request.member_id, "entries": files.entries})
            request.respond(replace_original=True, **export_failed_message())
            return
    log.info("export delivered", extra={"member": request.member_id, "entries": files.entries})
    request.respond(replace_original=True, **export_sent_message(files.entries))

"""The "Change evidence" picker's submission: the win's evidence becomes exactly what was picked,
then the card it came from is redrawn through its response_url and Home is republished."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks import capture as blocks
from bot.blocks import ids
from bot.blocks.brag import NOT_YOUR_ENTRY_TEXT
from bot.blocks.text import json_object
from bot.listeners.view_state import selected_values
from bot.services import brag, capture
from bot.slack.handling import run_later
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)


def _metadata(raw: str | None) -> tuple[int | None, str | None]:
    data = json_object(raw)
    entry, url = data.get("entry"), data.get("url")
    entry_id = entry if isinstance(entry, int) and not isinstance(entry, bool) and entry > 0 else None
    return entry_id, url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def submit_evidence(request: Request) -> None:
    entry_id, url = _metadata(request.view.get("private_metadata"))
    chosen = selected_values(request.view, ids.EVIDENCE_PICK_BLOCK, ids.EVIDENCE_INPUT)
    try:
        card = capture.set_evidence(
            request.deps.db, request.deps.content, request.member_id, entry_id, chosen, request.deps.clock()
        )
    except brag.NotYourEntry:
        log.warning(
            "evidence change refused: not the member's entry", extra={"member": request.member_id, "entry": entry_id}
        )
        request.ack(response_action="errors", errors={ids.EVIDENCE_PICK_BLOCK: NOT_YOUR_ENTRY_TEXT})
        return
    except brag.EntryInputError as error:
        request.ack(response_action="errors", errors={ids.EVIDENCE_PICK_BLOCK: str(error)})
        return
    request.ack()
    user_id = request.body["user"]["id"]

    def redraw() -> None:
        if url is not None:
            payload = blocks.card_message(request.deps.content, card)
            try:
                answer = WebhookClient(url).send(replace_original=True, text=payload["text"], blocks=payload["blocks"])
                if answer.status_code != 200:
                    log.warning(
                        "redrawing the win card failed",
                        extra={"member": request.member_id, "status": answer.status_code},
                    )
            except (SlackApiError, OSError):
                # The change is saved and Home shows it; only the old card stays as it was.
                log.exception("redrawing the win card failed", extra={"member": request.member_id})
        publish_home(request.client, request.deps, request.member_id, user_id)

    # After the ack (listeners run before the HTTP answer): the card and Home are redrawn off the request.
    run_later(request.context, "redraw the win card and Home", redraw)

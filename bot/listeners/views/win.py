"""The win modal's submission: a new win or an edit, every field re-checked on the server."""

from __future__ import annotations

import logging

from bot.blocks import ids
from bot.blocks.brag import NOT_YOUR_ENTRY_TEXT, decode_metadata, signal_blocks, win_saved_view
from bot.listeners.requests import Payload
from bot.listeners.view_state import selected_value, selected_values, text_value
from bot.services import brag
from bot.services.signals import signal_from_form
from bot.slack.handling import run_later
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)

FIELD_BLOCKS = {
    "what": ids.WIN_WHAT_BLOCK,
    "impact": ids.WIN_IMPACT_BLOCK,
    "lesson": ids.WIN_LESSON_BLOCK,
    "link": ids.WIN_LINK_BLOCK,
    "evidence": ids.WIN_EVIDENCE_BLOCK,
    "visibility": ids.WIN_VISIBILITY_BLOCK,
}


def _input(view: Payload, editing: bool) -> brag.WinInput:
    """The form's fields as typed and picked (:class:`brag.EntryInputError` for a visibility not on the list)."""

    def typed(block_id: str) -> str:
        return text_value(view, block_id, ids.WIN_INPUT)

    return brag.WinInput(
        what=typed(ids.WIN_WHAT_BLOCK),
        impact=typed(ids.WIN_IMPACT_BLOCK),
        lesson=typed(ids.WIN_LESSON_BLOCK),
        link=typed(ids.WIN_LINK_BLOCK),
        evidence_keys=selected_values(view, ids.WIN_EVIDENCE_BLOCK, ids.WIN_INPUT),
        visibility=brag.parse_visibility(selected_value(view, ids.WIN_VISIBILITY_BLOCK, ids.WIN_INPUT)),
        growth_signal=signal_from_form(selected_value(view, ids.WIN_SIGNAL_BLOCK, ids.WIN_INPUT), editing),
    )


def submit_win(request: Request) -> None:
    meta = decode_metadata(request.view.get("private_metadata"))
    try:
        saved = brag.save_win(
            request.deps.db,
            request.deps.content,
            request.member_id,
            _input(request.view, editing=meta.entry_id is not None),
            now=request.deps.clock(),
            entry_id=meta.entry_id,
            source=meta.source,
            credited_user_id=meta.credited_user_id,
            prompt_id=meta.prompt_id,
        )
    except brag.EntryInputError as error:
        log.info("win modal input refused", extra={"member": request.member_id, "field": error.field})
        request.ack(response_action="errors", errors={FIELD_BLOCKS.get(error.field, ids.WIN_WHAT_BLOCK): str(error)})
        return
    except brag.NotYourEntry:
        log.warning(
            "win edit refused: not the member's entry", extra={"member": request.member_id, "entry": meta.entry_id}
        )
        request.ack(response_action="errors", errors={ids.WIN_WHAT_BLOCK: NOT_YOUR_ENTRY_TEXT})
        return
    if meta.entry_id is None:
        entry = saved.entry
        growth_blocks = signal_blocks(
            entry.id, entry.growth_signal, saved.item, saved.stage, entry.growth_signal_chosen
        )
        request.ack(
            response_action="update", view=win_saved_view(request.deps.content, entry, growth_blocks, saved.audience)
        )
    else:
        request.ack()
    user_id = request.body["user"]["id"]
    run_later(
        request.context, "publish home", lambda: publish_home(request.client, request.deps, request.member_id, user_id)
    )

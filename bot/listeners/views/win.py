"""The win modal's submission: a new win or an edit, every field re-checked on the server."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.brag import NOT_YOUR_ENTRY_TEXT, decode_metadata, win_saved_view
from bot.db.models import EntrySource
from bot.listeners.brag import publish_home
from bot.listeners.common import acting_member_id
from bot.listeners.view_state import selected_value, selected_values, text_value
from bot.services import brag
from bot.services.stages import load_member
from bot.slack import ids
from bot.slack.deps import deps_of
from bot.slack.registrar import run_later

log = logging.getLogger(__name__)

FIELD_BLOCKS = {
    "what": ids.WIN_WHAT_BLOCK,
    "impact": ids.WIN_IMPACT_BLOCK,
    "lesson": ids.WIN_LESSON_BLOCK,
    "link": ids.WIN_LINK_BLOCK,
    "evidence": ids.WIN_EVIDENCE_BLOCK,
    "visibility": ids.WIN_VISIBILITY_BLOCK,
}


def submit_win(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps = deps_of(context)
    member_id = acting_member_id(context)
    meta = decode_metadata(view.get("private_metadata"))
    what = text_value(view, ids.WIN_WHAT_BLOCK, ids.WIN_INPUT)
    impact = text_value(view, ids.WIN_IMPACT_BLOCK, ids.WIN_INPUT)
    lesson = text_value(view, ids.WIN_LESSON_BLOCK, ids.WIN_INPUT)
    link = text_value(view, ids.WIN_LINK_BLOCK, ids.WIN_INPUT)
    evidence = selected_values(view, ids.WIN_EVIDENCE_BLOCK, ids.WIN_INPUT)
    try:
        visibility = brag.parse_visibility(selected_value(view, ids.WIN_VISIBILITY_BLOCK, ids.WIN_INPUT))
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            now = deps.clock()
            if meta.entry_id is None:
                entry = brag.create_entry(
                    session,
                    deps.content,
                    member,
                    what=what,
                    now=now,
                    impact=impact,
                    lesson=lesson,
                    link=link,
                    evidence_keys=evidence,
                    visibility=visibility,
                    source=EntrySource(meta.source),
                    credited_user_id=meta.credited_user_id,
                )
            else:
                entry = brag.update_entry(
                    session,
                    deps.content,
                    member,
                    meta.entry_id,
                    what=what,
                    now=now,
                    impact=impact,
                    lesson=lesson,
                    link=link,
                    evidence_keys=evidence,
                    visibility=visibility,
                )
            saved = brag.summarize(deps.content, entry)
    except brag.EntryInputError as error:
        log.info("win modal input refused", extra={"member": member_id, "field": error.field})
        ack(response_action="errors", errors={FIELD_BLOCKS.get(error.field, ids.WIN_WHAT_BLOCK): str(error)})
        return
    except brag.NotYourEntry:
        log.warning("win edit refused: not the member's entry", extra={"member": member_id, "entry": meta.entry_id})
        ack(response_action="errors", errors={ids.WIN_WHAT_BLOCK: NOT_YOUR_ENTRY_TEXT})
        return
    if meta.entry_id is None:
        ack(response_action="update", view=win_saved_view(deps.content, saved))
    else:
        ack()
    user_id = body["user"]["id"]
    run_later(context, "publish home", lambda: publish_home(client, deps, member_id, user_id))

"""The win modal's submission: a new win or an edit, every field re-checked on the server."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import ids
from bot.blocks.brag import NOT_YOUR_ENTRY_TEXT, decode_metadata, signal_blocks, win_saved_view
from bot.db.models import EntrySource, Member
from bot.listeners.view_state import selected_value, selected_values, text_value
from bot.services import brag, growth, prompts
from bot.services.evidence import suggest_evidence
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.home import publish_home
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


def _answer_prompt(session: Session, member: Member, prompt_id: int) -> None:
    """A win saved from the weekly prompt's button answers that prompt (see ``NudgeDelivery.answer``)."""
    try:
        prompts.mark_answered_with_win(prompts.owned_prompt(session, member, prompt_id))
    except prompts.NotYourPrompt:
        log.warning("win modal named a prompt that is not the member's", extra={"member": member.id})


def submit_win(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps = deps_of(context)
    member_id = acting_member_id(context)
    meta = decode_metadata(view.get("private_metadata"))
    what = text_value(view, ids.WIN_WHAT_BLOCK, ids.WIN_INPUT)
    impact = text_value(view, ids.WIN_IMPACT_BLOCK, ids.WIN_INPUT)
    lesson = text_value(view, ids.WIN_LESSON_BLOCK, ids.WIN_INPUT)
    link = text_value(view, ids.WIN_LINK_BLOCK, ids.WIN_INPUT)
    evidence = selected_values(view, ids.WIN_EVIDENCE_BLOCK, ids.WIN_INPUT)
    signal = growth.signal_from_form(
        selected_value(view, ids.WIN_SIGNAL_BLOCK, ids.WIN_INPUT), editing=meta.entry_id is not None
    )
    try:
        visibility = brag.parse_visibility(selected_value(view, ids.WIN_VISIBILITY_BLOCK, ids.WIN_INPUT))
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            audience = brag.audience_of(session, member)
            brag.check_audience(visibility, audience)
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
                    growth_signal=signal,
                    # Nothing picked: suggest, and let the saved view confirm in one tap.
                    suggested_keys=() if evidence else suggest_evidence(deps.content, what, member.stage),
                )
                if meta.prompt_id is not None:
                    _answer_prompt(session, member, meta.prompt_id)
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
                    growth_signal=signal,
                )
            saved = brag.summarize(deps.content, entry)
            item = growth.win_item(deps.content, member.stage, saved.growth_signal, saved.what)
            stage = member.stage
    except brag.EntryInputError as error:
        log.info("win modal input refused", extra={"member": member_id, "field": error.field})
        ack(response_action="errors", errors={FIELD_BLOCKS.get(error.field, ids.WIN_WHAT_BLOCK): str(error)})
        return
    except brag.NotYourEntry:
        log.warning("win edit refused: not the member's entry", extra={"member": member_id, "entry": meta.entry_id})
        ack(response_action="errors", errors={ids.WIN_WHAT_BLOCK: NOT_YOUR_ENTRY_TEXT})
        return
    if meta.entry_id is None:
        growth_blocks = signal_blocks(saved.id, saved.growth_signal, item, stage)
        ack(response_action="update", view=win_saved_view(deps.content, saved, growth_blocks, audience))
    else:
        ack()
    user_id = body["user"]["id"]
    run_later(context, "publish home", lambda: publish_home(client, deps, member_id, user_id))

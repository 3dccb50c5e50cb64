"""The buttons on a saved win's card: confirm evidence, change it, undo; and the question after a
deleted DM (remove its wins, or keep them). Every change is owner-checked by the service."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import capture as blocks
from bot.blocks.brag import not_your_entry_message, problem_message, win_saved_view
from bot.db.models import Member
from bot.listeners.requests import entry_id_of, reply
from bot.services import brag, capture
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.home import publish_home
from bot.slack.registrar import opens_modal

log = logging.getLogger(__name__)

OPEN_FORM_FAILED = "I couldn't open the evidence picker just now. Please click again."

Change = Callable[[Session, Member, int], None]


def apply_card_change(
    action: dict[str, Any],
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    change: Change,
) -> None:
    """Run ``change`` on the clicked win, then redraw the card (or the saved-win modal) and Home."""
    deps = deps_of(context)
    member_id = acting_member_id(context)
    entry_id = entry_id_of(action)
    try:
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            if entry_id is None:
                raise brag.NotYourEntry(action.get("value"))
            # Which wins share the card is read before the change (undo removes the win itself).
            card = [e.id for e in capture.card_entries(session, deps.content, member, entry_id)]
            change(session, member, entry_id)
            remaining = capture.still_owned(session, deps.content, member, card)
            stage = member.stage
            audience = brag.audience_of(session, member)
    except brag.NotYourEntry:
        log.warning("win card click refused: not the member's entry", extra={"member": member_id, "entry": entry_id})
        reply(body, respond, not_your_entry_message())
        return
    except brag.EntryInputError as error:
        reply(body, respond, blocks.wins_query_problem(str(error)))
        return
    view = body.get("view") or {}
    if view.get("type") == "modal" and view.get("id"):
        saved = [e for e in remaining if e.id == entry_id]
        new_view = (
            win_saved_view(deps.content, saved[0], blocks.growth_line(deps.content, stage, saved[0]), audience)
            if saved
            else blocks.undone_view()
        )
        try:
            client.views_update(view_id=view["id"], view=new_view)
        except SlackApiError as exc:
            log.exception("views.update failed", extra={"member": member_id, "error": exc.response.get("error")})
    elif body.get("response_url"):
        respond(replace_original=True, **blocks.capture_message(deps.content, stage, remaining, audience=audience))
    publish_home(client, deps, member_id, body["user"]["id"])


def confirm_evidence(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)

    def change(session: Session, member: Member, entry_id: int) -> None:
        brag.confirm_suggestions(session, deps.content, member, entry_id, deps.clock())

    apply_card_change(action, body, respond, client, context, change)


@opens_modal
def change_evidence(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Open the evidence picker; its submission (bot.listeners.views.evidence) redraws this card."""
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    entry_id = entry_id_of(action)
    try:
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            if entry_id is None:
                raise brag.NotYourEntry(action.get("value"))
            entry = brag.summarize(deps.content, brag.owned_entry(session, member, entry_id))
            stage = member.stage
    except brag.NotYourEntry:
        log.warning("change evidence refused: not the member's entry", extra={"member": member_id})
        reply(body, respond, not_your_entry_message())
        return
    metadata = json.dumps({"entry": entry_id, "url": body.get("response_url")})
    try:
        client.views_open(
            trigger_id=body["trigger_id"], view=blocks.evidence_modal(deps.content, stage, entry, metadata)
        )
    except SlackApiError as exc:
        log.exception(
            "views.open failed for the evidence picker", extra={"member": member_id, "error": exc.response.get("error")}
        )
        reply(body, respond, {"replace_original": False, **problem_message(OPEN_FORM_FAILED)})


def undo_win(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()

    def change(session: Session, member: Member, entry_id: int) -> None:
        brag.delete_entry(session, member, entry_id)

    apply_card_change(action, body, respond, client, context, change)


def _entry_ids(action: dict[str, Any]) -> list[int]:
    raw = str(action.get("value") or "")
    return [int(part) for part in raw.split(",") if part.isdigit() and int(part) > 0][: capture.MAX_WINS_PER_MESSAGE]


def remove_deleted_wins(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    with deps.db.transaction() as session:
        removed = capture.delete_wins(session, load_member(session, member_id), _entry_ids(action))
    reply(body, respond, {"replace_original": True, **blocks.removed_after_delete_message(removed)})
    publish_home(client, deps, member_id, body["user"]["id"])


def keep_deleted_wins(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
    ack()
    reply(body, respond, {"replace_original": True, **blocks.kept_after_delete_message()})

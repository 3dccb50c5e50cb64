"""The buttons on a saved win's card: confirm evidence, change it, undo; and the question after a
deleted DM (remove its wins, or keep them). Every change is owner-checked by the service."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.blocks import capture as blocks
from bot.blocks.brag import not_your_entry_message, open_failed_message, parse_confirm_value
from bot.deps import Deps
from bot.listeners.requests import Payload, entry_id_of, reply
from bot.services import brag, capture
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)

CardChange = Callable[[Deps, int, int | None, Payload], capture.Card]
"""A card button's service call: (deps, member_id, entry_id, action) -> the card after the change."""
CardButton = Callable[[Request], None]


def card_button(name: str, change: CardChange, entry_of: Callable[[Payload], int | None] = entry_id_of) -> CardButton:
    """The listener for a button on a win's card: the service makes the change (owner-checked), then
    the card (or the saved-win modal it sits in) and Home are redrawn. The buttons differ only in the change."""

    def on_click(request: Request) -> None:
        entry_id = entry_of(request.action)
        try:
            card = change(request.deps, request.member_id, entry_id, request.action)
        except brag.NotYourEntry:
            log.warning(
                "win card click refused: not the member's entry", extra={"member": request.member_id, "entry": entry_id}
            )
            reply(request.body, request.respond, not_your_entry_message())
            return
        except brag.EntryInputError as error:
            reply(request.body, request.respond, blocks.wins_query_problem(str(error)))
            return
        view = request.body.get("view") or {}
        if view.get("type") == "modal" and view.get("id") and entry_id is not None:
            try:
                request.client.views_update(
                    view_id=view["id"], view=blocks.saved_win_view(request.deps.content, card, entry_id)
                )
            except SlackApiError as exc:
                log.exception(
                    "views.update failed", extra={"member": request.member_id, "error": exc.response.get("error")}
                )
        elif request.body.get("response_url"):
            request.respond(replace_original=True, **blocks.card_message(request.deps.content, card))
        publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"])

    on_click.__name__ = on_click.__qualname__ = name
    return on_click


confirm_evidence = card_button(
    "confirm_evidence",
    lambda deps, member_id, entry_id, action: capture.confirm_evidence(
        deps.db, deps.content, member_id, entry_id, parse_confirm_value(action.get("value"))[1], deps.clock()
    ),
    entry_of=lambda action: parse_confirm_value(action.get("value"))[0],
)
undo_win = card_button(
    "undo_win", lambda deps, member_id, entry_id, _: capture.undo(deps.db, deps.content, member_id, entry_id)
)


def change_evidence(request: Request) -> None:
    """Open the evidence picker; its submission (bot.listeners.views.evidence) redraws this card."""
    entry_id = entry_id_of(request.action)
    try:
        form = capture.evidence_form(request.deps.db, request.deps.content, request.member_id, entry_id)
    except brag.NotYourEntry:
        log.warning("change evidence refused: not the member's entry", extra={"member": request.member_id})
        reply(request.body, request.respond, not_your_entry_message())
        return
    metadata = json.dumps({"entry": entry_id, "url": request.body.get("response_url")})
    try:
        request.client.views_open(
            trigger_id=request.body["trigger_id"],
            view=blocks.evidence_modal(request.deps.content, form.stage, form.entry, metadata),
        )
    except SlackApiError as exc:
        log.exception(
            "views.open failed for the evidence picker",
            extra={"member": request.member_id, "error": exc.response.get("error")},
        )
        reply(
            request.body,
            request.respond,
            {"replace_original": False, **open_failed_message(opening="the evidence picker")},
        )


def _entry_ids(action: Payload) -> list[int]:
    raw = str(action.get("value") or "")
    return [int(part) for part in raw.split(",") if part.isdigit() and int(part) > 0][: capture.MAX_WINS_PER_MESSAGE]


def remove_deleted_wins(request: Request) -> None:
    removed = capture.delete_wins(request.deps.db, request.member_id, _entry_ids(request.action))
    reply(request.body, request.respond, {"replace_original": True, **blocks.removed_after_delete_message(removed)})
    publish_home(request.client, request.deps, request.member_id, request.body["user"]["id"])


def keep_deleted_wins(request: Request) -> None:
    reply(request.body, request.respond, {"replace_original": True, **blocks.kept_after_delete_message()})

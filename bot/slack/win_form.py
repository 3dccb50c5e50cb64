"""Opening the win modal, for a new win or one the member owns."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.brag import WinDraft, WinMetadata, win_modal
from bot.deps import Deps
from bot.services import brag

log = logging.getLogger(__name__)


def _open(client: WebClient, trigger_id: str, view: dict[str, Any], member_id: int) -> bool:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.exception(
            "views.open failed for the win modal", extra={"member": member_id, "error": exc.response.get("error")}
        )
        return False
    return True


def open_new_win(
    client: WebClient,
    deps: Deps,
    member_id: int,
    trigger_id: str,
    *,
    what: str = "",
    link: str = "",
    meta: WinMetadata | None = None,
) -> bool:
    """The win modal for a new win, visibility preset to the member's default. False if Slack refused."""
    form = brag.new_win_form(deps.db, deps.content, member_id, what)
    # Suggestions go to the picker's hint, never preselected: saving must not confirm what was not picked.
    draft = WinDraft(what=what, link=link, visibility=form.visibility, suggested_keys=form.suggested_keys)
    view = win_modal(deps.content, form.stage, draft, meta or WinMetadata(), form.audience)
    return _open(client, trigger_id, view, member_id)


def open_edit_win(client: WebClient, deps: Deps, member_id: int, trigger_id: str, entry_id: int | None) -> bool:
    """The win modal prefilled with an entry the member owns; :class:`brag.NotYourEntry` otherwise."""
    form = brag.edit_win_form(deps.db, deps.content, member_id, entry_id)
    assert form.entry is not None
    entry = form.entry
    meta = WinMetadata(entry_id=entry.id, source=entry.source, credited_user_id=entry.credited_user_id)
    view = win_modal(deps.content, form.stage, WinDraft.of(entry), meta, form.audience)
    return _open(client, trigger_id, view, member_id)

"""What several brag listeners do: open the win modal, publish a member's Home, answer where possible."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.brag import WinDraft, WinMetadata, win_modal
from bot.blocks.home import home_deleted_view, home_view
from bot.db.models import Member, Visibility
from bot.db.types import parse_row_id
from bot.deps import Deps
from bot.services import brag
from bot.services.evidence import suggest_evidence
from bot.services.home import home_snapshot
from bot.services.stages import load_member

log = logging.getLogger(__name__)


def reply(body: dict[str, Any], respond: Respond, payload: dict[str, Any]) -> None:
    """Answer ephemerally when the request came with a response_url (messages, commands, shortcuts).

    Clicks on the Home tab and modal submissions have none; their answer is the republished Home
    or the modal itself.
    """
    if body.get("response_url"):
        respond(**payload)


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
    with deps.db.transaction() as session:
        member = load_member(session, member_id)
        stage, visibility = member.stage, member.default_visibility
        audience = brag.audience_of(session, member)
    if visibility not in {choice.value for choice in audience.choices}:
        # The default names an audience that is gone (manager unlinked, channel off): start private.
        visibility = Visibility.PRIVATE.value
    # A known text (Save as win) gets its suggested evidence preselected.
    suggested = tuple(suggest_evidence(deps.content, what, stage)) if what.strip() else ()
    draft = WinDraft(what=what, link=link, visibility=visibility, evidence_keys=suggested)
    view = win_modal(deps.content, stage, draft, meta or WinMetadata(), audience)
    return _open(client, trigger_id, view, member_id)


def open_edit_win(client: WebClient, deps: Deps, member_id: int, trigger_id: str, entry_id: int) -> bool:
    """The win modal prefilled with an entry the member owns; :class:`brag.NotYourEntry` otherwise."""
    with deps.db.transaction() as session:
        member = load_member(session, member_id)
        entry = brag.summarize(deps.content, brag.owned_entry(session, member, entry_id))
        stage = member.stage
        audience = brag.audience_of(session, member)
    meta = WinMetadata(entry_id=entry.id, source=entry.source, credited_user_id=entry.credited_user_id)
    view = win_modal(deps.content, stage, WinDraft.of(entry), meta, audience)
    return _open(client, trigger_id, view, member_id)


def publish_home(client: WebClient, deps: Deps, member_id: int, user_id: str, page: int = 0) -> None:
    """Render and publish the member's Home (``page`` of their wins). A failure is logged: what changed is saved."""
    with deps.db.transaction() as session:
        member = session.get(Member, member_id)
        if member is None:
            view = home_deleted_view()
        else:
            if member.slack_user_id != user_id:
                raise PermissionError(f"member {member_id} is not Slack user {user_id}")
            snapshot = home_snapshot(
                session,
                deps.content,
                member,
                now=deps.clock(),
                page=page,
                readiness_months=deps.settings.stagecoach_readiness_months,
                readiness_window=deps.settings.stagecoach_readiness_window_months,
            )
            view = home_view(deps.content, snapshot)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.exception("views.publish failed", extra={"member": member_id, "error": exc.response.get("error")})


def publish_deleted_home(client: WebClient, user_id: str) -> None:
    try:
        client.views_publish(user_id=user_id, view=home_deleted_view())
    except SlackApiError as exc:
        log.exception(
            "views.publish failed after a deletion", extra={"user": user_id, "error": exc.response.get("error")}
        )


def entry_id_of(action: dict[str, Any]) -> int | None:
    """The entry id a button carries; None for anything that is not a positive integer."""
    return parse_row_id(action.get("value"))

"""The stuck timer's buttons (in the nudge DM and the ``/stuck`` confirmation). Owner-checked."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.nudges import (
    help_request_modal,
    not_yours_message,
    stuck_closed_message,
    stuck_extended_message,
    stuck_resolved_message,
)
from bot.db.models import StuckStatus
from bot.db.types import parse_row_id
from bot.services import stages
from bot.services import stuck as stuck_service
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.registrar import opens_modal


def _session_id(action: dict[str, Any]) -> int:
    return parse_row_id(action.get("value")) or -1


def _not_yours(respond: Respond) -> None:
    respond(response_type="ephemeral", replace_original=False, **not_yours_message())


def stuck_unblocked(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    now = deps.clock()
    with deps.db.transaction() as session:
        member = stages.load_member(session, member_id)
        try:
            stuck = stuck_service.owned_session(session, member.id, _session_id(action))
        except stuck_service.NotYourSession:
            stuck = None
        if stuck is not None:
            result = stuck_service.resolve(session, deps.content, member, stuck, now, deps.settings.stuck_minutes)
            criterion = deps.content.evidence_label(stuck_service.ASKING_EARLY_CRITERION) if result.win else None
    if stuck is None:
        _not_yours(respond)
    elif not result.changed:
        respond(replace_original=True, **stuck_closed_message())
    else:
        respond(replace_original=True, **stuck_resolved_message(minutes=result.minutes, criterion_text=criterion))


def stuck_more_time(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    with deps.db.transaction() as session:
        try:
            stuck = stuck_service.owned_session(session, member_id, _session_id(action))
        except stuck_service.NotYourSession:
            stuck = None
        due = stuck_service.extend(session, stuck, deps.clock()) if stuck is not None else None
    if stuck is None:
        _not_yours(respond)
    elif due is None:
        respond(replace_original=True, **stuck_closed_message())
    else:
        respond(replace_original=True, **stuck_extended_message(due))


@opens_modal
def stuck_draft_help(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    with deps.db.transaction() as session:
        try:
            stuck = stuck_service.owned_session(session, member_id, _session_id(action))
        except stuck_service.NotYourSession:
            stuck = None
        is_open = stuck is not None and stuck.status == StuckStatus.OPEN.value
    if stuck is None:
        _not_yours(respond)
    elif not is_open:
        respond(replace_original=True, **stuck_closed_message())
    else:
        client.views_open(trigger_id=body["trigger_id"], view=help_request_modal(session_id=stuck.id, tried=stuck.what))

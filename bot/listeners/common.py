"""What every listener reads from a request: who is acting (enrolled on first contact), first deliveries."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import members
from bot.services.events import claim_event
from bot.slack.deps import Deps, deps_of
from bot.slack.registrar import run_later

log = logging.getLogger(__name__)

MEMBER_ID_KEY = "stagecoach_member_id"


def _refresh_profile(deps: Deps, client: WebClient, member_id: int, user_id: str) -> None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed for profile refresh", extra={"user": user_id, "error": exc.response["error"]})
        user = {}
    with deps.db.transaction() as session:
        members.record_slack_profile(session, member_id, user.get("tz"), members.slack_display_name(user), deps.clock())


def acting_member_id(context: BoltContext) -> int:
    """The member behind this request, enrolled on first contact (call it after ack()).

    Enrolling here, not in a middleware, keeps the database out of the ack path. The first
    time (and then weekly) the member's timezone and name are fetched from Slack in the background.
    """
    cached = context.get(MEMBER_ID_KEY)
    if isinstance(cached, int):
        return cached
    if not context.team_id or not context.user_id:
        raise LookupError("request names no user or team")
    deps = deps_of(context)
    now = deps.clock()
    with deps.db.transaction() as session:
        member = members.enroll(session, context.team_id, context.user_id, now, context.enterprise_id)
        member_id, refresh = member.id, members.needs_timezone_refresh(member, now)
    context[MEMBER_ID_KEY] = member_id
    if refresh and context.client is not None:
        client, user_id = context.client, context.user_id
        run_later(
            context, "profile refresh", lambda: _refresh_profile(deps, client, member_id, user_id), background=True
        )
    return member_id


def first_delivery(context: BoltContext, body: dict[str, Any]) -> bool:
    """False when this event is Slack retrying one we already handled (same event_id)."""
    event_id = body.get("event_id")
    if not event_id:
        return True
    deps = deps_of(context)
    with deps.db.transaction() as session:
        first = claim_event(session, str(event_id), deps.clock())
    if not first:
        log.info("dropping a retried event", extra={"event_id": event_id, "team": context.team_id})
    return first

"""Who is acting behind a request (enrolled on first contact), and whether an event is a retry."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db.engine import riders_held
from bot.deps import Deps
from bot.services import events, members
from bot.slack.deps import deps_of
from bot.slack.registrar import EVENT_CLAIMED_KEY, RECEIVED_UTC_KEY, run_later
from bot.webapi.profiles import away_rules, slack_display_name, slack_user

log = logging.getLogger(__name__)

MEMBER_ID_KEY = "stagecoach_member_id"


def _refresh_profile(deps: Deps, client: WebClient, member_id: int, user_id: str) -> None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed for profile refresh", extra={"user": user_id, "error": exc.response["error"]})
        user = {}
    now = deps.clock()
    # The status too (issue 24: it was dropped here, so an away member was prompted until the users.list
    # pass reached them).
    status = slack_user(user, away_rules(deps.settings.stagecoach_away_statuses), now) if user else None
    members.save_slack_profile(
        deps.db,
        member_id,
        user.get("tz"),
        slack_display_name(user),
        now,
        away=bool(status and status.away),
        away_until=status.away_until if status else None,
    )


def received_at(context: BoltContext) -> datetime | None:
    """When the request was received and stored (bot/services/inbox.py), which may be well before now."""
    value = context.get(RECEIVED_UTC_KEY)
    return value if isinstance(value, datetime) else None


def acting_member_id(context: BoltContext) -> int:
    """The member behind this request, enrolled on first contact (resolved after the ack).

    The registrar injects it into any listener with a ``member_id`` parameter; enrolling there, not
    in a middleware, keeps the database out of the ack path. The first time (and then weekly) the
    member's timezone and name are fetched from Slack in the background.
    """
    cached = context.get(MEMBER_ID_KEY)
    if isinstance(cached, int):
        return cached
    if not context.team_id or not context.user_id:
        raise LookupError("request names no user or team")
    deps = deps_of(context)
    # Held: enrolling is not the change the request asked for, so its transaction must not take the
    # request's inbox row with it (bot/services/inbox.py).
    with riders_held():
        enrolment = members.enroll_actor(
            deps.db, context.team_id, context.user_id, deps.clock(), context.enterprise_id, received_at(context)
        )
    member_id = enrolment.member_id
    context[MEMBER_ID_KEY] = member_id
    if enrolment.needs_profile_refresh and context.client is not None:
        client, user_id = context.client, context.user_id
        run_later(
            context, "profile refresh", lambda: _refresh_profile(deps, client, member_id, user_id), background=True
        )
    return member_id


def first_delivery(context: BoltContext, body: dict[str, Any]) -> bool:
    """False when this event is Slack retrying one we already handled (same event_id).

    Requests queued by the registrar had their event id claimed with their inbox row, before the ack
    (a retry of one never gets this far); this check remains for listeners reached any other way.
    """
    event_id = body.get("event_id")
    if not event_id or context.get(EVENT_CLAIMED_KEY):
        return True
    deps = deps_of(context)
    first = events.first_delivery(deps.db, str(event_id), deps.clock())
    if not first:
        log.info("dropping a retried event", extra={"event_id": event_id, "team": context.team_id})
    return first

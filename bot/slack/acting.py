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
from bot.slack.durable import EVENT_CLAIMED_KEY, RECEIVED_UTC_KEY
from bot.slack.errors import ExternalUser
from bot.slack.handling import run_later
from bot.webapi.profiles import away_rules, is_person_id, slack_display_name, slack_user

log = logging.getLogger(__name__)

MEMBER_ID_KEY = "stagecoach_member_id"
EXTERNAL_KEY = "stagecoach_external_user"


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


def installed_enterprise(context: BoltContext) -> str | None:
    """The Enterprise Grid org the bot is installed in (None for a plain workspace).

    From the authorization (``auth.test`` for the bot token, or the installation), never from the
    request: a Slack Connect interaction names the *sender's* org (``enterprise``, ``team.enterprise_id``)
    next to the host's ``view.app_installed_team_id``, and that org was once stamped on this workspace.
    """
    authorized = context.authorize_result
    enterprise = authorized.enterprise_id if authorized is not None else None
    return enterprise if isinstance(enterprise, str) and enterprise else None


def _sender_team(body: dict[str, Any]) -> str | None:
    """The workspace (``T…``) or org (``E…``) of the person behind a request, as the request states it."""
    user = body.get("user")
    if isinstance(user, dict):
        team = user.get("team_id")
        return team if isinstance(team, str) else None
    event = body.get("event")
    if isinstance(event, dict):
        inner = event.get("message") if event.get("subtype") == "message_changed" else event
        inner = inner if isinstance(inner, dict) else event
        team = inner.get("user_team") or inner.get("team")
        return team if isinstance(team, str) else None
    return None


def _sender_enterprise(body: dict[str, Any]) -> str | None:
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict) and isinstance(enterprise.get("id"), str):
        return str(enterprise["id"])
    team = body.get("team")
    if isinstance(team, dict) and isinstance(team.get("enterprise_id"), str):
        return str(team["enterprise_id"])
    return None


def is_external(body: dict[str, Any], context: BoltContext) -> bool:
    """Whether the person behind this request belongs to another organisation than the installation's.

    Slack Connect lets people of other orgs click, submit and write where the bot is: their requests
    carry their own workspace (``user.team_id``, ``event.user_team``) and org, next to the host's ids
    that Bolt reads as ``context.team_id``. Someone of the same Grid org in another of its workspaces is
    not external (their org is the installation's).
    """
    own_team, own_org = context.team_id, installed_enterprise(context)
    sender = _sender_team(body)
    if not sender or not own_team or sender in {own_team, own_org}:
        return False
    if own_org is not None and _sender_enterprise(body) == own_org:
        return False
    # Another workspace of the installed Grid org is not external (events name no org for the sender).
    return not (own_org is not None and sender.startswith("T") and not body.get("is_ext_shared_channel"))


def mark_external(body: dict[str, Any], context: BoltContext) -> bool:
    """:func:`is_external`, remembered in the context for :func:`acting_member_id`."""
    external = is_external(body, context)
    context[EXTERNAL_KEY] = external
    return external


def acting_member_id(context: BoltContext) -> int:
    """The member behind this request, enrolled on first contact (resolved after the ack).

    A listener's ``request.member_id`` calls it when first read (after the ack); enrolling there, not
    in a middleware, keeps the database out of the ack path. The first time (and then weekly) the
    member's timezone and name are fetched from Slack in the background.
    """
    cached = context.get(MEMBER_ID_KEY)
    if isinstance(cached, int):
        return cached
    if not context.team_id or not context.user_id:
        raise LookupError("request names no user or team")
    if not is_person_id(context.user_id):
        raise LookupError("Slackbot acts for no member")
    if context.get(EXTERNAL_KEY):
        raise ExternalUser("the acting user belongs to another organisation (Slack Connect)")
    deps = deps_of(context)
    # Held: enrolling is not the change the request asked for, so its transaction must not take the
    # request's inbox row with it (bot/services/inbox.py).
    with riders_held():
        enrolment = members.enroll_actor(
            deps.db, context.team_id, context.user_id, deps.clock(), installed_enterprise(context), received_at(context)
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

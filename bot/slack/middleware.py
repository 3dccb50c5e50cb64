"""Global middleware: hand listeners their dependencies, enroll users, drop retried events."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.db.models import ProcessedEvent
from bot.services import members
from bot.slack import ids
from bot.slack.deps import DEPS_KEY, Deps

log = logging.getLogger(__name__)

MEMBER_ID_KEY = "stagecoach_member_id"
DATABASE_DOWN_TEXT = (
    ":warning: I can't reach my database right now, so nothing was saved. "
    "Please try again in a minute; if it keeps happening, tell whoever runs Stagecoach."
)
PROCESSED_EVENT_RETENTION = timedelta(days=2)
# Events that are about the workspace, not a person using the bot: they enroll nobody.
_NON_ENROLLING_EVENTS = {ids.EVENT_TOKENS_REVOKED, ids.EVENT_APP_UNINSTALLED}

# Work that must not hold up an ack (a users.info lookup) runs here.
background = ThreadPoolExecutor(max_workers=4, thread_name_prefix="stagecoach-bg")


def _run_logged(description: str, work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:
        log.exception("background work failed: %s", description)


def inject_deps(deps: Deps) -> Callable[..., Any]:
    def inject_deps_middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context[DEPS_KEY] = deps
        next()

    return inject_deps_middleware


def _database_down_response(body: dict[str, Any]) -> BoltResponse:
    if body.get("command"):
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": DATABASE_DOWN_TEXT}),
            headers={"content-type": "application/json"},
        )
    if body.get("type") == "view_submission":
        # Keep the modal open with what the user typed, and say why it did not save.
        first_input = next(
            (b.get("block_id") for b in body.get("view", {}).get("blocks", []) if b.get("type") == "input"), None
        )
        if first_input:
            return BoltResponse(
                status=200,
                body=json.dumps({"response_action": "errors", "errors": {first_input: DATABASE_DOWN_TEXT[:150]}}),
                headers={"content-type": "application/json"},
            )
    return BoltResponse(status=200, body="")


def _refresh_timezone(deps: Deps, client: WebClient, member_id: int, user_id: str) -> None:
    try:
        tz_name = client.users_info(user=user_id)["user"].get("tz")
    except SlackApiError as exc:
        log.warning("users.info failed for timezone refresh", extra={"user": user_id, "error": exc.response["error"]})
        tz_name = None
    with deps.db.transaction() as session:
        members.record_slack_timezone(session, member_id, tz_name, deps.clock())


def enroll_member(
    context: BoltContext,
    body: dict[str, Any],
    next: Callable[[], None],
) -> BoltResponse | None:
    """Enroll whoever is using the bot (first command, Home visit, shortcut, button)."""
    deps: Deps = context[DEPS_KEY]
    event_type = body.get("event", {}).get("type") if body.get("type") == "event_callback" else None
    if not context.user_id or not context.team_id or event_type in _NON_ENROLLING_EVENTS:
        next()
        return None
    if event_type is not None and event_type != ids.EVENT_APP_HOME_OPENED:
        next()
        return None
    now = deps.clock()
    try:
        with deps.db.transaction() as session:
            member = members.enroll(session, context.team_id, context.user_id, now, context.enterprise_id)
            member_id, refresh = member.id, members.needs_timezone_refresh(member, now)
    except SQLAlchemyError:
        log.exception("database unavailable while enrolling", extra={"team": context.team_id, "user": context.user_id})
        return _database_down_response(body)
    context[MEMBER_ID_KEY] = member_id
    if refresh and context.client is not None:
        client, user_id = context.client, context.user_id
        background.submit(_run_logged, "timezone refresh", lambda: _refresh_timezone(deps, client, member_id, user_id))
    next()
    return None


def drop_retried_events(
    context: BoltContext,
    body: dict[str, Any],
    req: BoltRequest,
    next: Callable[[], None],
) -> BoltResponse | None:
    """Slack redelivers an event it thinks we missed; its effect must happen once."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if not event_id:
        next()
        return None
    deps: Deps = context[DEPS_KEY]
    now = deps.clock()
    try:
        with deps.db.transaction() as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=now))
    except IntegrityError:
        retry = req.headers.get("x-slack-retry-num", ["?"])[0]
        log.info("dropping an event already handled", extra={"event_id": event_id, "retry": retry})
        return BoltResponse(status=200, body="")
    except SQLAlchemyError:
        log.exception("database unavailable while recording an event", extra={"event_id": event_id})
        # A 5xx makes Slack retry later, when the database may be back.
        return BoltResponse(status=503, body="")
    next()
    return None


def forget_old_events(deps: Deps) -> int:
    """Event ids older than Slack's retry window need not be kept."""
    cutoff = deps.clock() - PROCESSED_EVENT_RETENTION
    with deps.db.transaction() as session:
        result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

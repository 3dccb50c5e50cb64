"""Did an uncertain send reach Slack? Every nudge carries its delivery id in its message metadata, so one
look at the DM's history from the start of the row's attempts tells. A kind that may post in a thread (found
this week, in the weekly prompt's thread) names it (``NudgeType.thread_of``): ``conversations.history`` lists
only a conversation's top-level messages, so the thread is read first with ``conversations.replies`` (the
parent, then its replies, oldest first; ``im:history`` in a DM, like the history), then the history (the
message may have gone on its own). (Channels cannot be checked: the app holds no channel-history scope, so the
loop never re-sends a channel message.)"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import NudgeDelivery as ND
from bot.nudges.slack_errors import slack_error
from bot.nudges.types import DeliveryRow, Thread

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "stagecoach_nudge"
MARGIN = timedelta(minutes=10)  # look this much earlier: clocks differ, and Slack's ts is Slack's clock
PAGE_SIZE = 200
MAX_PAGES = 5


@dataclass(frozen=True)
class Found:
    channel_id: str
    ts: str


@dataclass(frozen=True)
class NotFound:
    channel_id: str | None


@dataclass(frozen=True)
class Unknown:
    error: str


def metadata(delivery_id: int) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"delivery_id": delivery_id}}


def known_channel(session: Session, row: DeliveryRow) -> str | None:
    """The conversation this row, or an earlier message to its recipient, landed in (a user's DM)."""
    return row.channel_id or session.scalar(
        select(ND.channel_id)
        .where(ND.workspace_id == row.workspace_id, ND.recipient_id == row.recipient_id, ND.channel_id.is_not(None))
        .order_by(ND.id.desc())
        .limit(1)
    )


def _carries(message: dict[str, Any], row: DeliveryRow) -> bool:
    found = message.get("metadata") or {}
    carried = (found.get("event_payload") or {}).get("delivery_id")
    return found.get("event_type") == METADATA_EVENT_TYPE and str(carried) == str(row.id)


def _in_thread(lookup: WebClient, row: DeliveryRow, thread: Thread) -> Found | None:
    """The row's message among the thread's replies (up to ``MAX_PAGES`` pages of ``PAGE_SIZE``: a weekly prompt's
    thread holds the member's answers and our cards, a handful). A parent Slack no longer finds
    (``thread_not_found``: deleted) has no replies to look at."""
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        try:
            page = lookup.conversations_replies(
                channel=thread.channel_id, ts=thread.ts, limit=PAGE_SIZE, include_all_metadata=True, cursor=cursor
            )
        except SlackApiError as exc:
            if slack_error(exc)[1] == "thread_not_found":
                return None
            raise
        for message in page.get("messages") or []:
            if message.get("ts") != thread.ts and _carries(message, row):
                return Found(thread.channel_id, str(message.get("ts")))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            break
    return None


def reconcile(
    lookup: WebClient, row: DeliveryRow, channel_id: str | None, thread: Thread | None = None
) -> Found | NotFound | Unknown:
    try:
        if thread is not None and (found_in_thread := _in_thread(lookup, row, thread)) is not None:
            return found_in_thread
        if channel_id is None:
            # Rare path (a crash or 5xx before the first message to this user): one lookup.
            channel_id = str(lookup.conversations_open(users=row.recipient_id)["channel"]["id"])
        oldest = f"{(row.attempt_started_at - MARGIN).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = lookup.conversations_history(
                channel=channel_id, oldest=oldest, limit=PAGE_SIZE, include_all_metadata=True, cursor=cursor
            )
            for message in page.get("messages") or []:
                if _carries(message, row):
                    return Found(channel_id, str(message.get("ts")))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
        return NotFound(channel_id)
    except SlackApiError as exc:
        status, error = slack_error(exc)
        if status == 429 or status >= 500:
            return Unknown(f"HTTP {status} {error}".strip())
        # Slack refused to let us look (e.g. an install without im:history). Not sending could lose
        # the nudge for good; sending risks a duplicate in a rare case. Send, and say so.
        log.warning("cannot check whether an uncertain delivery was sent; sending it", extra={"delivery": row.id})
        return NotFound(channel_id)
    except Exception as exc:
        return Unknown(f"{type(exc).__name__}: {exc}")

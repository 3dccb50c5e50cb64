"""The durable inbox glue: every acknowledged request is stored before its ack and finished after its work.

The storage itself is :mod:`bot.services.inbox`; this module records a request from its Bolt context
(bounded on PostgreSQL so a slow database cannot hold Slack's 3 s ack), and marks it done. What was
stored and not finished is dispatched again by :mod:`bot.slack.resume` (with :data:`REPLAY_KEY`).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext

from bot.services import inbox
from bot.slack.deps import deps_of
from bot.slack.executor import PostAckExecutor

log = logging.getLogger(__name__)

REPLAY_KEY = "stagecoach_replay"
"""In a request's context when it is an unfinished request dispatched again (an :class:`inbox.Stale`)."""
RECEIVED_UTC_KEY = "stagecoach_received_utc"
"""In a request's context: when it was received and stored (the clock's instant; a replay's original one)."""
EVENT_CLAIMED_KEY = "stagecoach_event_claimed"
"""In a request's context once its event id is claimed (recorded with the request, before the ack)."""


def record(kind: str, body: dict[str, Any], context: BoltContext) -> inbox.Recorded:
    """Store the verified request before its ack (:mod:`bot.services.inbox`): a crash cannot lose it."""
    deps = deps_of(context)
    event_id = body.get("event_id") if kind == "event" else None
    now = deps.clock()
    context[RECEIVED_UTC_KEY] = now
    recorded = inbox.record(
        deps.db,
        kind=kind,
        body=body,
        team_id=context.team_id,
        user_id=context.user_id,
        event_id=str(event_id) if event_id else None,
        now=now,
        lease=timedelta(seconds=deps.settings.stagecoach_inbox_lease_seconds),
    )
    if event_id and not recorded.duplicate:
        context[EVENT_CLAIMED_KEY] = True
    return recorded


RECORD_BUDGET_SECONDS = 0.25
"""How long recording a request may hold its ack on PostgreSQL. An insert takes 1-2 ms; only a slow network
or server exceeds this, and then the ack goes out first and the job waits for the recording (durable
from when it lands, not before). bench.load_http's run 2 (every round trip 2.5 s) wants every ack under
1 s: with a 2 s budget its acks took 2.0 s at p50 and 4.0 s at p99, with 0.5 s 0.53 s and 1.14 s."""
_RECORDERS = ThreadPoolExecutor(8, thread_name_prefix="inbox-record")


def record_in_time(
    kind: str, body: dict[str, Any], context: BoltContext
) -> inbox.Recorded | Future[inbox.Recorded] | None:
    """:func:`record`, bounded: its result, its future when it outran the budget, None when it failed.

    SQLite records on the request's own thread: a local file, 0.1-0.5 ms a commit, where handing the
    insert to another thread and back cost the acks more than the insert (bench.load_http, bursts of 20
    /stage: ack p99 1.66-2.65x the bare app's with the hand-off, 1.14-1.28x without, two runs each;
    main before the inbox 1.24x).
    PostgreSQL is a network round trip a slow network can stretch past Slack's 3 s, so it is bounded.
    """
    try:
        if deps_of(context).db.backend == "sqlite":
            return record(kind, body, context)
        future = _RECORDERS.submit(record, kind, body, context)
        try:
            return future.result(timeout=RECORD_BUDGET_SECONDS)
        except FutureTimeout:
            log.warning("recording a request outran the ack budget: acking first", extra={"kind": kind})
            return future
    except Exception:
        # Not stored: the request is still answered (as before the inbox), only not crash-proof.
        log.exception("could not record a request before its ack", extra={"kind": kind})
        return None


def late_id(late: Future[inbox.Recorded]) -> int | None:
    try:
        return late.result().inbox_id
    except Exception:
        log.exception("could not record a request after its ack")
        return None


def finish_if(context: BoltContext, inbox_id: int | None, executor: PostAckExecutor) -> None:
    if inbox_id is not None:
        finish(context, inbox_id, executor)


def finish(context: BoltContext, inbox_id: int, executor: PostAckExecutor) -> None:
    try:
        inbox.finish(deps_of(context).db, inbox_id)
    except Exception:
        # The row stays: the request is dispatched again after its lease (at worst done twice).
        log.exception("could not mark a request done", extra={"inbox_id": inbox_id})
    finally:
        executor.release(inbox_id)

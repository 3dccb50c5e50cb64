"""The request inbox: every acknowledged request is in the database before its ack, until it is done.

One mechanism for every kind (commands, buttons, shortcuts, events): the Slack edge records the
verified request (:func:`record`) before it acks, and the row is deleted in the same transaction as
the change the request asked for (:func:`done_with_next_commit`), or once its listener has answered
(:func:`finish`). A row still here after its lease is work a crash (kill -9, a lost container)
interrupted: :func:`take_stale` hands it back to the edge to be dispatched again.

Events are deduplicated here too: the event id goes into ``processed_events`` in the recording
transaction, so a retry of an event we stored (before a crash or not) is refused before its ack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from bot.db import hot
from bot.db.engine import Database, Rider, riding_next_commit
from bot.db.models import InboxRequest
from bot.services.events import claim_event

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""A request dispatched this many times without finishing (it crashes the process, say) is given up,
and its sender told, rather than replayed forever."""
MAX_AGE = timedelta(hours=24)
"""Older than this, a request is given up rather than replayed: the person has moved on, and Slack's
``response_url`` (30 minutes) is long gone."""


@dataclass(frozen=True)
class Recorded:
    """What :func:`record` did: ``inbox_id`` is None for a retried event (already stored or done)."""

    inbox_id: int | None

    @property
    def duplicate(self) -> bool:
        return self.inbox_id is None


@dataclass(frozen=True)
class Stale:
    """An unfinished request handed back for another dispatch (or, when ``give_up``, an apology)."""

    inbox_id: int
    body: dict[str, Any]
    attempts: int
    give_up: bool
    received_at: datetime


def record(
    db: Database,
    *,
    kind: str,
    body: dict[str, Any],
    team_id: str | None,
    user_id: str | None,
    event_id: str | None,
    now: datetime,
    lease: timedelta,
) -> Recorded:
    """Store a verified request before it is acked (and claim its event id); one short transaction.

    Not an ORM object: this runs before every ack, and the unit of work's flush cost ~180 us of CPU a
    request more (record and finish, 2,000 each on SQLite: 710 us ORM, 349 us Core). A request that is
    not an event is one statement, run as a :class:`~bot.db.hot.HotStatement` (0.50 -> 0.28 ms a record
    in the bot's conditions, bot/db/hot.py).
    """
    row = {
        "received_at": now,
        "lease_until": now + lease,
        "kind": kind,
        "team_id": team_id,
        "user_id": user_id,
        "attempts": 1,
        "body": json.dumps(body, separators=(",", ":")),
    }
    if not event_id:
        inserted = hot.write(db, _HOT_INSERT, **row)
        assert inserted is not None  # RETURNING id
        return Recorded(int(inserted[0]))
    with db.transaction() as session:
        if not claim_event(session, event_id, now):
            return Recorded(None)
        return Recorded(_inserted_id(session.connection().execute(_INSERT, row)))


_INBOX = cast(Table, InboxRequest.__table__)
_INSERT = insert(_INBOX)
_DELETE = delete(_INBOX).where(_INBOX.c.id == bindparam("inbox_id"))
_HOT_INSERT = hot.HotStatement(
    insert(_INBOX)
    .values({column: bindparam(column.name) for column in _INBOX.c if column is not _INBOX.c.id})
    .returning(_INBOX.c.id)
)
_HOT_DELETE = hot.HotStatement(_DELETE)


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _forget(inbox_id: int) -> Rider:
    def delete_row(session: Session) -> None:
        session.connection().execute(_DELETE, {"inbox_id": inbox_id})

    return delete_row


@contextmanager
def done_with_next_commit(inbox_id: int) -> Iterator[list[Rider]]:
    """While the listener runs: the first transaction it commits also deletes the request's row.

    The services a listener calls own their transactions, and the first one a listener commits is the
    change it was asked for (listeners parse, call one service, answer): so the change and the end of
    the request commit together, and a crash leaves neither (the request is replayed) or both. The
    yielded list is empty once that has happened.
    """
    with riding_next_commit(_forget(inbox_id)) as pending:
        yield pending


def finish(db: Database, inbox_id: int) -> None:
    """The listener has answered (or told the person it failed): the request is done, if not already."""
    hot.write(db, _HOT_DELETE, inbox_id=inbox_id)


def postpone(db: Database, inbox_id: int) -> None:
    """A dispatch refused for want of room (the queue, or the sender's share of it) is no attempt."""
    with db.transaction() as session:
        session.execute(
            update(InboxRequest)
            .where(InboxRequest.id == inbox_id, InboxRequest.attempts > 1)
            .values(attempts=InboxRequest.attempts - 1)
        )


def take_stale(db: Database, now: datetime, lease: timedelta, skip: set[int], limit: int = 50) -> list[Stale]:
    """Claim requests whose lease has lapsed (their process died): each for one more lease.

    The claim is a conditional UPDATE on the lease it read, so two processes resuming at once never
    both take the same row. ``skip``: this process's own requests still queued (not stale, only slow).
    """
    taken: list[Stale] = []
    with db.transaction() as session:
        rows = session.execute(
            select(InboxRequest.id, InboxRequest.lease_until, InboxRequest.attempts, InboxRequest.received_at)
            .where(InboxRequest.lease_until <= now)
            .order_by(InboxRequest.id)
            .limit(limit)
        ).all()
    for inbox_id, lease_until, attempts, received_at in rows:
        if inbox_id in skip:
            continue
        with db.transaction() as session:
            claimed = session.execute(
                update(InboxRequest)
                .where(InboxRequest.id == inbox_id, InboxRequest.lease_until == lease_until)
                .values(lease_until=now + lease, attempts=attempts + 1)
            )
            if not getattr(claimed, "rowcount", 0):
                continue
            body = session.scalar(select(InboxRequest.body).where(InboxRequest.id == inbox_id))
        if body is None:
            continue
        give_up = attempts >= MAX_ATTEMPTS or now - received_at > MAX_AGE
        taken.append(Stale(inbox_id, json.loads(body), attempts + 1, give_up, received_at))
    if taken:
        log.info("resuming unfinished requests", extra={"count": len(taken)})
    return taken


def unfinished(db: Database) -> int:
    """How many requests are recorded and not done (tests, /healthz)."""
    with db.transaction() as session:
        return len(session.scalars(select(InboxRequest.id)).all())

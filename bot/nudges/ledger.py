"""The ledger (``nudge_deliveries``): what is due, what was sent. Every write that matters is here.

One row per (workspace, kind, recipient, period): the unique key is what makes planning
idempotent (``INSERT … ON CONFLICT DO NOTHING``) however many ticks or replicas run.

A row's life::

    pending ──claim──▶ sending ──▶ sent | skipped | failed
       ▲                  │
       └──── release ─────┤   (Slack definitely did not post: 429, ok:false, workspace token trouble)
                          └─▶ sending, lease expired   (uncertain: 5xx, dropped connection, crash)

- *claim* is atomic across threads and processes: PostgreSQL locks the row with
  ``FOR UPDATE SKIP LOCKED``; on both backends the ``UPDATE`` is a compare-and-set on
  ``attempts`` (every claim increments it), so two claimants can never both win.
- a claim is a *lease* (``claim_expires_at``). A ``sending`` row whose lease has expired may or
  may not have reached Slack; whoever claims it next must *reconcile* (look for the message in
  the conversation) before sending again. :mod:`bot.nudges.delivery` does that.
- while a row is ``sending``, ``next_attempt_at`` holds when the current series of attempts began,
  so reconciliation knows from when to look.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ARRAY, ColumnElement, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import DeliveryStatus, Member, NudgeDelivery
from bot.db.types import UTCDateTime
from bot.nudges.types import DeliveryRow, NudgeType, PlannedNudge, is_user_id

log = logging.getLogger(__name__)

ND = NudgeDelivery
T = cast(Table, ND.__table__)
KEY_COLUMNS = ["workspace_id", "kind", "recipient_id", "period_key"]
EXISTING_LOOKBACK = timedelta(days=8)
"""Planning compares against ledger rows due at most this long before the oldest planned one."""
INSERT_CHUNK = 5000
MAX_ERROR = 500

PENDING = DeliveryStatus.PENDING.value
SENDING = DeliveryStatus.SENDING.value
SENT = DeliveryStatus.SENT.value
SKIPPED = DeliveryStatus.SKIPPED.value
FAILED = DeliveryStatus.FAILED.value


def _insert(session: Session) -> Any:
    """The dialect's INSERT (both have ``on_conflict_do_nothing``)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(T)
    return sqlite.insert(T)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- planning ----------------------------------------------------------------------------------


@dataclass
class EnsureResult:
    pending: int = 0
    skipped: int = 0


def ensure(session: Session, nudge_type: NudgeType, planned: Sequence[PlannedNudge], at: datetime) -> EnsureResult:
    """Insert the planned occurrences the ledger does not have yet; return how many were new.

    One query reads the keys that already exist (so a tick that plans 10,000 members every
    minute writes nothing when nothing is new), one bulk insert adds the rest; ``ON CONFLICT
    DO NOTHING`` keeps it exact when another replica inserts the same keys at the same time.
    An occurrence already older than the kind's grace is inserted as *skipped* and logged.
    """
    result = EnsureResult()
    unique = {(p.workspace_id, p.recipient_id, p.period_key): p for p in planned}
    if not unique:
        return result
    oldest = min(p.due_at for p in unique.values()) - EXISTING_LOOKBACK
    existing = {
        (workspace_id, recipient_id, period_key)
        for workspace_id, recipient_id, period_key in session.execute(
            select(ND.workspace_id, ND.recipient_id, ND.period_key).where(
                ND.kind == nudge_type.kind, ND.due_at >= oldest
            )
        )
    }
    cutoff = at - nudge_type.grace
    rows = [
        {
            "workspace_id": p.workspace_id,
            "member_id": p.member_id,
            "kind": nudge_type.kind,
            "recipient_id": p.recipient_id,
            "period_key": p.period_key,
            "due_at": p.due_at,
            "status": SKIPPED if p.due_at < cutoff else PENDING,
            "attempts": 0,
            "next_attempt_at": p.due_at,
            "last_error": f"missed: due {p.due_at.isoformat()}, planned {at.isoformat()}"
            if p.due_at < cutoff
            else None,
            "created_at": at,
        }
        # In key order: two replicas inserting the same keys then wait on each other, never deadlock.
        for key, p in sorted(unique.items(), key=lambda item: item[0])
        if key not in existing
    ]
    skipped_examples: list[str] = []
    for status, recipient_id, period_key in _insert_new(session, rows):
        if status == SKIPPED:
            result.skipped += 1
            if len(skipped_examples) < 5:
                skipped_examples.append(f"{recipient_id}/{period_key}")
        else:
            result.pending += 1
    if result.skipped:
        log.warning(
            "not sending nudges older than their grace window (missed while the bot was down, or moved "
            "into the past by a settings change)",
            extra={
                "kind": nudge_type.kind,
                "count": result.skipped,
                "grace_minutes": int(nudge_type.grace.total_seconds() // 60),
                "examples": ", ".join(skipped_examples),
            },
        )
    return result


_INSERT_COLUMNS = (
    "workspace_id",
    "member_id",
    "kind",
    "recipient_id",
    "period_key",
    "due_at",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
)


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Bulk ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the (status, recipient, period) actually inserted."""
    inserted: list[tuple[str, str, str]] = []
    returning = (T.c.status, T.c.recipient_id, T.c.period_key)
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        if _is_postgresql(session):
            # One row of arrays, unnested by the server: a multi-row VALUES list with 11 parameters a
            # row costs psycopg more to prepare than PostgreSQL takes to insert the rows.
            arrays = [
                cast_(bindparam(f"a_{name}", [row[name] for row in chunk]), ARRAY(T.c[name].type))
                for name in _INSERT_COLUMNS
            ]
            source = func.unnest(*arrays).table_valued(*_INSERT_COLUMNS).render_derived(with_types=False)
            statement = (
                postgresql.insert(T)
                .from_select(list(_INSERT_COLUMNS), select(*[source.c[name] for name in _INSERT_COLUMNS]))
                .on_conflict_do_nothing(index_elements=KEY_COLUMNS)
                .returning(*returning)
            )
            result = session.execute(statement)
        else:
            statement = sqlite.insert(T).on_conflict_do_nothing(index_elements=KEY_COLUMNS).returning(*returning)
            result = session.execute(statement, chunk)
        inserted.extend((str(status), str(recipient), str(period)) for status, recipient, period in result)
    return inserted


def insert_marker(
    session: Session, workspace_id: int, kind: str, recipient_id: str, period_key: str, at: datetime
) -> bool:
    """Record that a once-per-period job ran; True only for the one caller that inserted it."""
    statement = (
        _insert(session)
        .values(
            workspace_id=workspace_id,
            member_id=None,
            kind=kind,
            recipient_id=recipient_id,
            period_key=period_key,
            due_at=at,
            status=SENT,
            attempts=1,
            next_attempt_at=at,
            sent_at=at,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=KEY_COLUMNS)
        .returning(T.c.id)
    )
    return session.execute(statement).first() is not None


# -- claiming ----------------------------------------------------------------------------------
#
# The per-message statements are built once, on the table (not the ORM entity), with bound
# parameters: at hundreds of messages a second, building and ORM-processing each UPDATE would
# cost more than the database work itself.

_NOW = bindparam("b_now", type_=UTCDateTime())


def _claimable(now: Any) -> ColumnElement[bool]:
    return or_(
        and_(T.c.status == PENDING, T.c.next_attempt_at <= now),
        and_(T.c.status == SENDING, T.c.claim_expires_at <= now),
    )


def claimable(session: Session, kinds_by_priority: Sequence[str], now: datetime) -> list[tuple[int, int]]:
    """``(id, workspace_id)`` of every row ready to send, most urgent kind first, then oldest."""
    if not kinds_by_priority:
        return []
    priority = case({kind: index for index, kind in enumerate(kinds_by_priority)}, value=T.c.kind)
    query = (
        select(T.c.id, T.c.workspace_id)
        .where(T.c.kind.in_(kinds_by_priority), _claimable(now))
        .order_by(priority, T.c.due_at, T.c.id)
    )
    return [(int(row_id), int(workspace_id)) for row_id, workspace_id in session.execute(query)]


# What a claim reads of the row, on either database (PostgreSQL returns it from the claiming UPDATE).
_CLAIMED_COLUMNS = (
    T.c.id,
    T.c.workspace_id,
    T.c.member_id,
    T.c.kind,
    T.c.recipient_id,
    T.c.period_key,
    T.c.due_at,
    T.c.attempts,
    T.c.next_attempt_at,
    T.c.channel_id,
    T.c.last_error,
)
_CLAIM_SELECT = select(*_CLAIMED_COLUMNS, T.c.status).where(T.c.id == bindparam("b_id"), _claimable(_NOW))
# PostgreSQL: lock the row (skipping it if another claimant holds it) and take it, in one statement.
_LOCKED = (
    select(T.c.id, T.c.status.label("previous_status"))
    .where(T.c.id == bindparam("b_id"), _claimable(_NOW))
    .with_for_update(skip_locked=True)
    .cte("locked")
)
_CLAIM_LOCKED = (
    update(T)
    .where(T.c.id == _LOCKED.c.id)
    .values(
        status=SENDING,
        claimed_by=bindparam("b_owner"),
        claim_expires_at=bindparam("b_expires", type_=UTCDateTime()),
        attempts=T.c.attempts + 1,
        next_attempt_at=case((_LOCKED.c.previous_status == SENDING, T.c.next_attempt_at), else_=_NOW),
    )
    .returning(*_CLAIMED_COLUMNS, _LOCKED.c.previous_status)
)
_CLAIM_UPDATE = (
    update(T)
    .where(
        T.c.id == bindparam("b_id"),
        T.c.attempts == bindparam("b_attempts"),
        T.c.status == bindparam("b_status"),
        _claimable(_NOW),
    )
    .values(
        status=SENDING,
        claimed_by=bindparam("b_owner"),
        claim_expires_at=bindparam("b_expires", type_=UTCDateTime()),
        attempts=T.c.attempts + 1,
        next_attempt_at=bindparam("b_started", type_=UTCDateTime()),
    )
)


def _claimed_row(row: Any, attempts: int, *, started: datetime, uncertain: bool) -> DeliveryRow:
    return DeliveryRow(
        id=row.id,
        workspace_id=row.workspace_id,
        member_id=row.member_id,
        kind=row.kind,
        recipient_id=row.recipient_id,
        period_key=row.period_key,
        due_at=row.due_at,
        attempts=attempts,
        attempt_started_at=started,
        channel_id=row.channel_id,
        uncertain=uncertain,
        last_error=row.last_error,
    )


def claim(session: Session, delivery_id: int, owner: str, now: datetime, lease: timedelta) -> DeliveryRow | None:
    """Take the row for sending if it is still claimable; None if someone else has it (or it is done)."""
    if _is_postgresql(session):
        taken = session.execute(
            _CLAIM_LOCKED, {"b_id": delivery_id, "b_now": now, "b_owner": owner, "b_expires": now + lease}
        ).one_or_none()
        if taken is None:
            return None
        return _claimed_row(
            taken, taken.attempts, started=taken.next_attempt_at, uncertain=taken.previous_status == SENDING
        )
    # SQLite has one writer at a time: read, then compare-and-set on ``attempts`` (every claim bumps it).
    found = session.execute(_CLAIM_SELECT, {"b_id": delivery_id, "b_now": now}).one_or_none()
    if found is None:
        return None
    uncertain = found.status == SENDING
    started = found.next_attempt_at if uncertain else now
    result = session.execute(
        _CLAIM_UPDATE,
        {
            "b_id": delivery_id,
            "b_attempts": found.attempts,
            "b_status": found.status,
            "b_now": now,
            "b_owner": owner,
            "b_expires": now + lease,
            "b_started": started,
        },
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return _claimed_row(found, found.attempts + 1, started=started, uncertain=uncertain)


# -- outcomes (each only while the claim is still ours) -----------------------------------------

_DATETIME_COLUMNS = {"sent_at", "claim_expires_at", "next_attempt_at"}


@lru_cache(maxsize=32)
def _finish_statement(columns: frozenset[str]) -> Any:
    values = {
        name: bindparam(f"b_{name}", type_=UTCDateTime()) if name in _DATETIME_COLUMNS else bindparam(f"b_{name}")
        for name in sorted(columns)
    }
    return (
        update(T)
        .where(T.c.id == bindparam("b_id"), T.c.status == SENDING, T.c.claimed_by == bindparam("b_owner"))
        .values(values)
    )


def _finish(session: Session, row: DeliveryRow, owner: str, **values: Any) -> bool:
    params = {f"b_{name}": value for name, value in values.items()}
    params.update(b_id=row.id, b_owner=owner)
    result = session.execute(_finish_statement(frozenset(values)), params)
    done = getattr(result, "rowcount", 0) == 1
    if not done:
        log.warning("lost the claim on a delivery before recording its outcome", extra={"delivery": row.id})
    return done


def _error(text: str) -> str:
    return text[:MAX_ERROR]


def mark_sent(
    session: Session, row: DeliveryRow, owner: str, channel_id: str | None, ts: str | None, now: datetime
) -> bool:
    return _finish(
        session,
        row,
        owner,
        status=SENT,
        sent_at=now,
        channel_id=channel_id,
        message_ts=ts,
        claimed_by=None,
        claim_expires_at=None,
        last_error=None,
    )


def mark_skipped(session: Session, row: DeliveryRow, owner: str, reason: str) -> bool:
    return _finish(
        session, row, owner, status=SKIPPED, claimed_by=None, claim_expires_at=None, last_error=_error(reason)
    )


def mark_failed(
    session: Session, row: DeliveryRow, owner: str, error: str, now: datetime, *, block_recipient: bool
) -> bool:
    """Give up on the row. With ``block_recipient`` and a user recipient, stop nudging that member."""
    done = _finish(session, row, owner, status=FAILED, claimed_by=None, claim_expires_at=None, last_error=_error(error))
    if done and block_recipient and row.member_id is not None and is_user_id(row.recipient_id):
        session.execute(
            update(Member)
            .where(
                Member.id == row.member_id,
                Member.slack_user_id == row.recipient_id,
                Member.delivery_blocked_at.is_(None),
            )
            .values(delivery_blocked_at=now, delivery_blocked_reason=error[:64])
            .execution_options(synchronize_session=False)
        )
    return done


def release(
    session: Session, row: DeliveryRow, owner: str, retry_at: datetime, error: str, *, count_attempt: bool = True
) -> bool:
    """Back to pending: Slack definitely did not post it. ``count_attempt=False`` for rate limiting."""
    return _finish(
        session,
        row,
        owner,
        status=PENDING,
        next_attempt_at=retry_at,
        attempts=row.attempts if count_attempt else row.attempts - 1,
        claimed_by=None,
        claim_expires_at=None,
        last_error=_error(error),
    )


def mark_uncertain(
    session: Session, row: DeliveryRow, owner: str, retry_at: datetime, error: str, channel_id: str | None
) -> bool:
    """Slack may have posted it (5xx, dropped connection): reconcile before any retry after ``retry_at``."""
    return _finish(
        session,
        row,
        owner,
        claimed_by=None,
        claim_expires_at=retry_at,
        last_error=_error(f"uncertain: {error}"),
        channel_id=channel_id or row.channel_id,
    )


def known_channel(session: Session, workspace_id: int, recipient_id: str) -> str | None:
    """The conversation an earlier message to this recipient landed in (a user's DM channel)."""
    return session.scalar(
        select(ND.channel_id)
        .where(ND.workspace_id == workspace_id, ND.recipient_id == recipient_id, ND.channel_id.is_not(None))
        .order_by(ND.id.desc())
        .limit(1)
    )

"""The ledger (``nudge_deliveries``), shaped like procrastinate's job queue; every write that matters is here.

One row per (workspace, kind, recipient, period), so planning is idempotent however many ticks or replicas
run. A row's life: due ──claim──▶ sending ──▶ sent | skipped | failed, and back to due (``release``) when
Slack surely did not post. ``next_attempt_at`` is when the row may next be claimed, whatever its status: a due
row's time (or its retry's, or the end of its hold), a claimed row's lease end; a row still ``sending`` after
that (a crash, a 5xx: outcome unknown) is claimed again as *uncertain*. Every outcome records why in
``reason`` (``DeliveryReason``, for code) beside ``last_error`` (for people); the rows held for a member's time
off are released by ``release_returned`` once the member is back, and finished rows go with ``prune``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import ARRAY, JSON, Table, Text, and_, bindparam, case, delete, func, or_, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from bot.db.models import CLAIMABLE, HELD, DeliveryReason, DeliveryStatus, Member, NudgeDelivery
from bot.db.types import UTCDateTime
from bot.nudges.types import DeliveryRow, NudgeType, PlannedNudge, payload_json
from bot.webapi.profiles import is_user_id

log = logging.getLogger(__name__)

T = cast(Table, NudgeDelivery.__table__)
KEY_COLUMNS = ["workspace_id", "kind", "recipient_id", "period_key"]
EXISTING_LOOKBACK = timedelta(days=8)  # planning compares against rows due this long before the oldest planned
INSERT_CHUNK = 5000
MAX_ERROR = 500
PAYLOAD_TEXT = "payload_text"  # the planned row's payload, already JSON text
DUE, SENDING, SENT, SKIPPED, FAILED = DeliveryStatus
FINISHED = (SENT, SKIPPED, FAILED)


class Ensured(NamedTuple):
    due: int
    skipped: int


def ensure(
    session: Session,
    nudge_type: NudgeType,
    planned: Sequence[PlannedNudge],
    at: datetime,
    *,
    check_existing: bool = True,
    forget_before: datetime | None = None,
) -> Ensured:
    """Insert the planned occurrences the ledger does not have yet (those older than the kind's grace as
    ``skipped``). One query reads the keys that exist, so a tick that plans every member of a small kind
    every minute writes nothing when nothing is new; ``ON CONFLICT DO NOTHING`` covers a replica inserting
    the same keys, and is all a batched planner's rows need (``check_existing=False``: reading a week of
    1,000,000 prompts' keys for every batch of 10,000 would cost more than the inserts)."""
    # An occurrence due before ``forget_before`` (the retention, ``prune``) is not planned at all: its row may
    # have been pruned, and inserting it again (as skipped) each tick would only be pruned again.
    unique = {
        (p.workspace_id, p.recipient_id, p.period_key): p
        for p in planned
        if forget_before is None or p.due_at >= forget_before
    }
    if not unique:
        return Ensured(0, 0)
    existing: set[tuple[Any, ...]] = set()
    if check_existing:
        oldest = min(p.due_at for p in unique.values()) - EXISTING_LOOKBACK
        keys = select(T.c.workspace_id, T.c.recipient_id, T.c.period_key)
        # Core on the session's connection: the ORM's result handling of 10,000 plain key rows cost 13 ms a tick.
        found = session.connection().execute(keys.where(T.c.kind == nudge_type.kind, T.c.due_at >= oldest))
        existing = set(map(tuple, found))
    cutoff = at - nudge_type.grace
    rows = [
        {
            "workspace_id": p.workspace_id,
            "member_id": p.member_id,
            "kind": nudge_type.kind,
            "recipient_id": p.recipient_id,
            "period_key": p.period_key,
            PAYLOAD_TEXT: payload_json(p.payload),
            "priority": nudge_type.priority,
            "due_at": p.due_at,
            "status": SKIPPED if p.due_at < cutoff else DUE,
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
    # Missed rows carry their reason; due rows leave the column out (NULL): binding it for each of 3,000 planned
    # prompts took the plan from 110 to 150 ms (bench.weekly_prompt_fanout, SQLite). Missed rows are few. (Two
    # replicas whose instants put one row on either side of the grace could lock in opposite orders: PostgreSQL
    # then fails one plan of that kind, and the next minute plans it again.)
    missed = [{**row, "reason": DeliveryReason.MISSED} for row in rows if row["status"] == SKIPPED]
    inserted = _insert_new(session, [row for row in rows if row["status"] != SKIPPED]) + _insert_new(session, missed)
    skipped = [f"{recipient}/{period}" for status, recipient, period in inserted if status == SKIPPED]
    if skipped:
        log.warning(
            "not sending nudges older than their grace window (missed while the bot was down, or moved "
            "into the past by a settings change)",
            extra={
                "kind": nudge_type.kind,
                "count": len(skipped),
                "grace_minutes": int(nudge_type.grace.total_seconds() // 60),
                "examples": ", ".join(skipped[:5]),
            },
        )
    return Ensured(len(inserted) - len(skipped), len(skipped))


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Bulk ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the (status, recipient, period) actually inserted.
    The payload arrives as JSON text (``payload_json``) and is bound as text, not encoded again row by row."""
    inserted: list[tuple[str, str, str]] = []
    names = list(rows[0]) if rows else []
    columns = ["payload" if name == PAYLOAD_TEXT else name for name in names]
    returning = (T.c.status, T.c.recipient_id, T.c.period_key)
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        if session.get_bind().dialect.name == "postgresql":
            # One row of arrays, unnested by the server: a multi-row VALUES list with 13 parameters a
            # row costs psycopg more to prepare than PostgreSQL takes to insert the rows. A column with one
            # value in the whole chunk (kind, priority, status, created_at…) is bound once, not as an array:
            # psycopg's text dumping of arrays was 2.7 s of a 100,000-prompt plan (``bench.scale``).
            # (The recipient always goes as an array: it gives the SELECT its rows, one per planned nudge.)
            varying = [
                name for name in names if name == "recipient_id" or any(row[name] != chunk[0][name] for row in chunk)
            ]
            arrays = [
                cast_(
                    bindparam(f"a_{name}", [row[name] for row in chunk]),
                    ARRAY(Text if name == PAYLOAD_TEXT else T.c[name].type),
                )
                for name in varying
            ]
            names_out = ["payload" if name == PAYLOAD_TEXT else name for name in varying]
            source = func.unnest(*arrays).table_valued(*names_out).render_derived(with_types=False)
            values = [
                _pg_value(name, source.c[column] if name in varying else None, chunk[0][name])
                for name, column in zip(names, columns, strict=True)
            ]
            statement = (
                postgresql.insert(T)
                .from_select(columns, select(*values).select_from(source))
                .on_conflict_do_nothing(index_elements=KEY_COLUMNS)
                .returning(*returning)
            )
            # On the connection (Core): the ORM's result handling of 10,000 returned rows a batch was 0.4 s of
            # a 100,000-prompt plan.
            result = session.connection().execute(statement).all()
        else:
            statement = (
                sqlite.insert(T)
                .values(payload=bindparam(PAYLOAD_TEXT, type_=Text()))
                .on_conflict_do_nothing(index_elements=KEY_COLUMNS)
                .returning(*returning)
            )
            result = session.execute(statement, chunk).all()
        inserted.extend((str(status), str(recipient), str(period)) for status, recipient, period in result)
    return inserted


def _pg_value(name: str, unnested: Any, constant: Any) -> Any:
    """A column of the INSERT … SELECT: the unnested array's column, or the chunk's one value, bound once."""
    if unnested is not None:
        return cast_(unnested, JSON) if name == PAYLOAD_TEXT else unnested
    if name == PAYLOAD_TEXT:
        return cast_(bindparam(f"c_{name}", constant, type_=Text()), JSON)
    return cast_(bindparam(f"c_{name}", constant, type_=T.c[name].type), T.c[name].type)


# The claim: procrastinate's fetch_job. PostgreSQL skips rows other claimants hold; SQLite has one writer,
# so the UPDATE with its subquery is atomic there too (``with_for_update`` compiles to nothing). Built once,
# on the table, with bound parameters: at hundreds of messages a second, building and ORM-processing each
# statement would cost more than the database work.

_NOW = bindparam("b_now", type_=UTCDateTime())


def _claim_statement(in_workspace: bool) -> Any:
    # The index's own predicate, as literal SQL: a bound IN list would not prove the partial index applies.
    due: list[ColumnElement[bool] | TextClause] = [text(CLAIMABLE), T.c.next_attempt_at <= _NOW]
    if in_workspace:
        due.append(T.c.workspace_id == bindparam("b_workspace"))
    next_row = (
        select(T.c.id)
        .where(*due)
        .order_by(T.c.priority, T.c.next_attempt_at, T.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(T)
        .where(T.c.id == next_row)
        .values(
            status=SENDING,
            claimed_by=bindparam("b_owner"),
            attempts=T.c.attempts + 1,
            next_attempt_at=bindparam("b_expires", type_=UTCDateTime()),
            # A row taken over while still ``sending`` keeps the start of its series of attempts.
            attempt_started_at=case((T.c.status == SENDING, T.c.attempt_started_at), else_=_NOW),
        )
        .returning(*(T.c[f.name] for f in fields(DeliveryRow) if f.name != "uncertain"))
    )


_CLAIM, _CLAIM_IN_WORKSPACE = _claim_statement(False), _claim_statement(True)


def claim(
    session: Session, owner: str, now: datetime, lease: timedelta, workspace_id: int | None = None
) -> DeliveryRow | None:
    """Take the most urgent row that is due (or whose lease ran out) for ``lease``, of one workspace when
    ``workspace_id`` is given (the fair claim, ``pacing.take``); None when none is."""
    params: dict[str, Any] = {"b_now": now, "b_owner": owner, "b_expires": now + lease}
    if workspace_id is not None:
        params["b_workspace"] = workspace_id
    taken = session.execute(_CLAIM if workspace_id is None else _CLAIM_IN_WORKSPACE, params).one_or_none()
    if taken is None:
        return None
    started = taken.attempt_started_at or now
    return DeliveryRow(**taken._asdict(), uncertain=started < now)


# Outcomes: each only while the claim is still ours.


@lru_cache(maxsize=32)
def _finish_statement(columns: frozenset[str]) -> Any:
    values = {name: bindparam(f"b_{name}", type_=T.c[name].type) for name in sorted(columns)}
    return (
        update(T)
        .where(T.c.id == bindparam("b_id"), T.c.status == SENDING, T.c.claimed_by == bindparam("b_owner"))
        .values(values)
    )


def _finish(
    session: Session, row: DeliveryRow, owner: str, error: str | None, state: DeliveryReason | None, **values: Any
) -> bool:
    """Record an outcome: the values, ``last_error`` (for people) and ``reason`` (for code), every time."""
    params = {f"b_{name}": value for name, value in values.items()}
    params.update(b_id=row.id, b_owner=owner, b_last_error=error[:MAX_ERROR] if error else None, b_reason=state)
    statement = _finish_statement(frozenset([*values, "last_error", "reason"]))
    done = getattr(session.execute(statement, params), "rowcount", 0) == 1
    if not done:
        log.warning("lost the claim on a delivery before recording its outcome", extra={"delivery": row.id})
    return done


def mark_sent(
    session: Session, row: DeliveryRow, owner: str, channel_id: str | None, ts: str | None, now: datetime
) -> bool:
    return _finish(session, row, owner, None, None, status=SENT, sent_at=now, channel_id=channel_id, message_ts=ts)


def mark_skipped(
    session: Session, row: DeliveryRow, owner: str, reason: str, state: DeliveryReason | None = None
) -> bool:
    return _finish(session, row, owner, reason, state, status=SKIPPED)


def mark_failed(
    session: Session, row: DeliveryRow, owner: str, error: str, now: datetime, *, block_recipient: bool
) -> bool:
    """Give up on the row. With ``block_recipient`` and a user recipient, stop nudging that member."""
    done = _finish(session, row, owner, error, None, status=FAILED)
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
    session: Session,
    row: DeliveryRow,
    owner: str,
    retry_at: datetime,
    error: str,
    *,
    count_attempt: bool = True,
    state: DeliveryReason = DeliveryReason.RETRY,
) -> bool:
    """Back to ``due`` at ``retry_at``: Slack definitely did not post it. ``count_attempt=False`` for 429s and holds;
    ``state`` says why it waits (a hold for time off is released early by ``release_returned``)."""
    attempts = row.attempts if count_attempt else row.attempts - 1
    return _finish(session, row, owner, error, state, status=DUE, next_attempt_at=retry_at, attempts=attempts)


def extend(session: Session, row: DeliveryRow, owner: str, until: datetime, error: str, channel_id: str | None) -> bool:
    """Stay ``sending`` until ``until``: Slack may have posted it (5xx, dropped connection), so the next
    claim, after the lease, reconciles before any retry."""
    state = DeliveryReason.UNCERTAIN
    return _finish(session, row, owner, f"uncertain: {error}", state, next_attempt_at=until, channel_id=channel_id)


# Built once with bind parameters: built per call, the statement was ~1 ms of Python in each of a tick's 9
# prunes (one a kind), more than the DELETE itself when there is nothing to prune.
_PRUNE = delete(T).where(
    T.c.id.in_(
        select(T.c.id)
        .where(T.c.kind == bindparam("p_kind"), T.c.due_at < bindparam("p_before"), T.c.status.in_(FINISHED))
        .limit(bindparam("p_limit"))
        .scalar_subquery()
    )
)


def prune(session: Session, kind: str, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` finished rows (sent, skipped, failed) of ``kind`` due before ``before``; how many
    went. By kind, so the (kind, due_at) index finds them: a tick with nothing to prune reads no history."""
    result = session.execute(_PRUNE, {"p_kind": kind, "p_before": before, "p_limit": limit})
    return int(getattr(result, "rowcount", 0) or 0)


M = cast(Table, Member.__table__).c
_RETURNED = (
    update(T)
    .where(
        text(HELD),
        T.c.status == DUE,
        T.c.next_attempt_at > bindparam("b_now", type_=UTCDateTime()),
        select(M.id)
        .where(
            M.id == T.c.member_id,
            or_(
                and_(T.c.reason == DeliveryReason.AWAY.value, M.away_since.is_(None)),
                and_(T.c.reason == DeliveryReason.PAUSED.value, M.paused_until.is_(None)),
            ),
        )
        .exists(),
    )
    .values(next_attempt_at=bindparam("b_now", type_=UTCDateTime()), reason=None)
)


def release_returned(session: Session, now: datetime) -> int:
    """Rows held for time off whose member is back (the away status cleared, the pause ended early) become due
    now; a member still held otherwise is held again at render. The services that clear those columns
    (``bot/services/directory.py``, ``bot/services/pause.py``) leave the ledger to this, every nudge pass."""
    return int(getattr(session.execute(_RETURNED, {"b_now": now}), "rowcount", 0) or 0)

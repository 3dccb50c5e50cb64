"""Each workspace's send rate, shared by every thread, process and replica through one row per workspace
(``send_buckets``; and one per channel posted to, for Slack's per-channel limit), and the fair choice of
which workspace a worker sends for next.

A claim locks the bucket row of the workspace whose next slot comes first and that has a row due
(``FOR UPDATE SKIP LOCKED``: a worker never waits on a row another holds, it takes the next workspace),
claims that workspace's most urgent row and moves the bucket's next slot on by 1/rate, all in one
transaction; the message then goes out at its slot. A 429 sets the bucket's ``paused_until`` from
Retry-After, so every replica holds that workspace, and only that one. SQLite has one writer: the
delivery serialises its claims in the process (``Delivery``), which makes the same steps atomic there.

Times here are wall-clock seconds (epoch): replicas compare them with their own wall clocks, which NTP
keeps within milliseconds of each other; a tick's own clock (``--at``) may be any instant and is not
shared.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    Double,
    Table,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import CLAIMABLE, NudgeDelivery, SendBucket, Workspace
from bot.db.types import UTCDateTime

B = cast(Table, SendBucket.__table__)
D = cast(Table, NudgeDelivery.__table__)

LOOKAHEAD_SECONDS = 1.0
"""A worker may reserve a slot up to this far ahead and wait for it, but only when no workspace has a slot
free now (the claim takes the earliest). At 20 msg/s that is 20 reservations in flight, enough to keep
one workspace at its rate without the other workers polling the bucket row for each slot; a workspace
that falls due meanwhile waits at most this long for a free worker."""

WORKSPACE = ""
"""The ``channel_id`` of a workspace's own bucket."""
CHANNEL_INTERVAL_SECONDS = 1.0
"""Slack allows about one message a second in a channel (short bursts aside): a digest's 19 pages to one
channel went out as 5 at once and then 429s, each pausing the whole workspace."""

READY = case((B.c.paused_until > B.c.next_send_at, B.c.paused_until), else_=B.c.next_send_at)
"""When the bucket may send next: its slot, or the end of its pause."""


class Slot(NamedTuple):
    workspace_id: int
    at: float
    """When (wall clock) the reserved message may go."""


def ensure_buckets(session: Session) -> None:
    """A bucket row for every workspace that has none (new installs); two replicas may race: no conflict."""
    missing = select(Workspace.id, literal(WORKSPACE), literal(0.0), literal(0.0), literal(0)).where(
        ~exists().where(B.c.workspace_id == Workspace.id, B.c.channel_id == WORKSPACE)
    )
    columns = ["workspace_id", "channel_id", "next_send_at", "paused_until", "rate_limited"]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(B).from_select(columns, missing).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(B).from_select(columns, missing).on_conflict_do_nothing())
    else:  # pragma: no cover - the bot supports SQLite and PostgreSQL
        session.execute(insert(B).from_select(columns, missing))


_EXCLUDED: BindParameter[int] = bindparam("b_excluded", expanding=True)
_DUE_BY: BindParameter[datetime] = bindparam("b_due_by", type_=UTCDateTime())
_UNTIL: BindParameter[float] = bindparam("b_until", type_=Double())

# Does the bucket's workspace have a row due? (The partial index's predicate, as in ``ledger.claim``.)
_HAS_DUE = exists().where(
    D.c.workspace_id == B.c.workspace_id, text(f"nudge_deliveries.{CLAIMABLE}"), D.c.next_attempt_at <= _DUE_BY
)

_TAKE = (
    select(B.c.workspace_id, READY)
    .where(_UNTIL >= READY, B.c.channel_id == WORKSPACE, B.c.workspace_id.not_in(_EXCLUDED), _HAS_DUE)
    .order_by(READY, B.c.workspace_id)
    .limit(1)
    .with_for_update(of=B, skip_locked=True)
)


def take(
    session: Session, wall: float, now: datetime, excluded: Collection[int], lookahead: float = LOOKAHEAD_SECONDS
) -> tuple[int, float] | None:
    """Lock the bucket of the workspace that may send soonest (within ``lookahead``) and has a row due at
    ``now`` (the tick's clock); None when every such bucket is locked, paused or too far ahead."""
    params = {"b_until": wall + lookahead, "b_excluded": list(excluded), "b_due_by": now}
    found = session.execute(_TAKE, params).one_or_none()
    return None if found is None else (int(found[0]), float(found[1]))


def spend(session: Session, workspace_id: int, ready: float, wall: float, interval: float) -> Slot:
    """Reserve the bucket's next slot: ``interval`` after the last one, or now if that is past. No slot
    missed is made up for: Slack counts calls in a sliding second, and a make-up slot let a worker a few
    milliseconds late send 11 in one second at a pace of 9 (``tests/test_nudges_scale.py``)."""
    slot = max(ready, wall)
    mine = (B.c.workspace_id == workspace_id) & (B.c.channel_id == WORKSPACE)
    session.execute(update(B).where(mine).values(next_send_at=slot + interval))
    return Slot(workspace_id, slot)


def take_channel(session: Session, workspace_id: int, channel_id: str, wall: float, lookahead: float) -> float | None:
    """Reserve the channel's next slot (one message every ``CHANNEL_INTERVAL_SECONDS``) if it comes within
    ``lookahead``: its wall-clock time. Otherwise None, and the row waits (``channel_ready``). The row is
    locked and waited for, not skipped: two claims of the same channel are milliseconds apart."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(B).values(_channel_row(workspace_id, channel_id)).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(B).values(_channel_row(workspace_id, channel_id)).on_conflict_do_nothing())
    mine = (B.c.workspace_id == workspace_id) & (B.c.channel_id == channel_id)
    ready = float(session.execute(select(READY).where(mine).with_for_update()).scalar_one())
    if ready > wall + lookahead:
        return None
    slot = max(ready, wall)
    session.execute(update(B).where(mine).values(next_send_at=slot + CHANNEL_INTERVAL_SECONDS))
    return slot


def give_back_channel(session: Session, workspace_id: int, channel_id: str, slot: float) -> None:
    """The slot ``take_channel`` reserved goes to the channel's next message: the row posts nothing (a digest
    page its digest did not need; a 60-report digest plans 30 for its 15). Reserved and given back in one
    transaction, with the channel's row locked, so no other claim came in between."""
    mine = (B.c.workspace_id == workspace_id) & (B.c.channel_id == channel_id)
    session.execute(update(B).where(mine).values(next_send_at=slot))


def channel_ready(session: Session, workspace_id: int, channel_id: str) -> float:
    mine = (B.c.workspace_id == workspace_id) & (B.c.channel_id == channel_id)
    return float(session.execute(select(READY).where(mine)).scalar_one())


def _channel_row(workspace_id: int, channel_id: str) -> dict[str, object]:
    return {
        "workspace_id": workspace_id,
        "channel_id": channel_id,
        "next_send_at": 0.0,
        "paused_until": 0.0,
        "rate_limited": 0,
    }


def pause(session: Session, workspace_id: int, until: float) -> None:
    """Slack answered 429: nothing more for this workspace from any replica until ``until`` (wall clock)."""
    later = case((B.c.paused_until > until, B.c.paused_until), else_=literal(until))
    mine = (B.c.workspace_id == workspace_id) & (B.c.channel_id == WORKSPACE)
    session.execute(update(B).where(mine).values(paused_until=later, rate_limited=B.c.rate_limited + 1))


def next_ready(session: Session, due_by: datetime, excluded: Collection[int]) -> float | None:
    """The earliest wall-clock time a workspace with a row due by ``due_by`` may send; None when none has."""
    query = select(func.min(READY)).where(B.c.channel_id == WORKSPACE, B.c.workspace_id.not_in(_EXCLUDED), _HAS_DUE)
    found = session.execute(query, {"b_excluded": list(excluded), "b_due_by": due_by}).scalar()
    return None if found is None else float(found)

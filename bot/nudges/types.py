"""What a kind (``bot/nudges/kinds/``) declares and its planner returns (read in bulk; a batched planner also
moves its members' next-due time on, in the same transaction as the ledger insert), and what its renderer
gets and gives."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bot.db.models import DeliveryReason
from bot.settings import Settings
from content import Content

P = TypeVar("P")


@lru_cache(maxsize=4096)
def payload_json(payload: object) -> str:
    """The payload as the JSON text the ledger stores (dates as ISO strings). Cached: payloads are frozen,
    equal ones hash alike, and a plan of 10,000 weekly prompts holds a handful of distinct ones (the cache
    took 25 ms off that plan's 370 in ``bench.weekly_prompt_fanout``)."""
    if payload is None:
        return "{}"
    values = {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}  # type: ignore[arg-type]
    return json.dumps({name: value.isoformat() if isinstance(value, date) else value for name, value in values.items()})


def read_payload(kind: type[P], data: Mapping[str, Any]) -> P | None:
    try:
        values = {
            f.name: date.fromisoformat(data[f.name]) if f.type == "date" else data[f.name]
            for f in dataclasses.fields(kind)  # type: ignore[arg-type]
        }
        return kind(**values)
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class PlannedNudge:
    workspace_id: int
    member_id: int | None
    recipient_id: str  # a user (the message goes to the DM) or a channel
    period_key: str  # which occurrence (``2026-W47``, ``stuck-12-0``…): unique per recipient and kind, never parsed
    due_at: datetime
    payload: object = None  # the kind's frozen dataclass, what its renderer reads (``read_payload``)


class Batch(list[PlannedNudge]):
    """One batch of a planner that plans what fell due in bounded batches (``plan_all`` calls it again, in a
    new transaction, while ``more``). The ledger inserts a batch without reading what exists first: the
    planner only returns what newly fell due, and the unique key still refuses a duplicate."""

    def __init__(self, planned: list[PlannedNudge], *, more: bool) -> None:
        super().__init__(planned)
        self.more = more


@dataclass(frozen=True)
class Context:
    """What planners and renderers read besides the database: the roadmap, the settings, and the tick's
    instant (planning) or the send's (rendering)."""

    content: Content
    settings: Settings
    now: datetime


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    workspace_id: int
    member_id: int | None
    kind: str
    recipient_id: str
    period_key: str
    due_at: datetime
    attempts: int
    attempt_started_at: datetime  # when this series of attempts began: reconciliation looks from then on
    channel_id: str | None
    uncertain: bool  # claimed while still ``sending`` after its lease: an earlier attempt may have reached Slack
    last_error: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Thread:
    """A message's thread in a conversation: the parent's channel and ts."""

    channel_id: str
    ts: str


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread: Thread | None = None
    """Posted as a reply in this thread (in its channel, the recipient's DM) rather than on its own."""


@dataclass(frozen=True)
class Skip:
    reason: str
    state: DeliveryReason | None = None


@dataclass(frozen=True)
class Defer:
    """Back to ``due`` until ``until`` (away, paused, quiet hours), not an attempt; ``reason`` → ``last_error``."""

    until: datetime
    reason: str
    state: DeliveryReason = DeliveryReason.DEFERRED


Planner = Callable[[Session, Context], list[PlannedNudge]]
"""Returns what is due (a ``Batch`` when the planner works in bounded batches)."""
Renderer = Callable[[Session, Context, DeliveryRow, Any], Message | Skip | Defer]
"""Renders a claimed row; the last argument is its payload, decoded by delivery (``NudgeType.decode``)."""
PermanentErrorHook = Callable[[Session, DeliveryRow, str], None]
ThreadOf = Callable[[Session, DeliveryRow], Thread | None]
"""The thread a kind's message may have been posted in (what reconciling an uncertain send reads)."""


@dataclass(frozen=True)
class NudgeType:
    kind: str
    plan: Planner
    render: Renderer
    grace: timedelta  # an occurrence older than this when first planned is recorded as skipped, not sent
    priority: int = 100  # lower goes first when a tick has more to send than it can
    on_permanent_error: PermanentErrorHook | None = None  # e.g. forget a digest channel on not_in_channel
    paged: bool = False
    """Sends several messages to one conversation at once (a digest's pages): each keeps that conversation's
    own pace, a DM's too. A manager's DM digest of 25 reports is 6 pages, and Slack refused the sixth sent
    within a second of the first (issue 22 made the DM digest count everything shared with her)."""
    payload: type[Any] | None = None
    """The planner's frozen ``Payload`` dataclass, which ``decode`` reads from the row for the renderer."""
    thread_of: ThreadOf | None = None
    """For a kind whose renderer may answer ``Message(thread=…)``: that thread, read again when an uncertain
    send is reconciled (``conversations.history`` lists no thread replies; ``conversations.replies`` does)."""

    def decode(self, row: DeliveryRow) -> Any:
        """The row's payload as ``payload`` (None for a kind without one), or ``Skip`` when it cannot be read:
        every renderer gets its payload typed, and none reads the row's JSON itself."""
        if self.payload is None:
            return None
        planned = read_payload(self.payload, row.payload)
        return Skip(f"unreadable payload {dict(row.payload)!r}") if planned is None else planned

"""The small vocabulary every nudge kind speaks: what a planner returns, what a renderer gets and gives.

A kind (see :mod:`bot.nudges.registry`) is a **planner** (``plan(session, PlanContext)``: every
occurrence due by ``ctx.at``, read in bulk, never written: :func:`bot.nudges.ledger.ensure` inserts
what is new), a **renderer** (``render(session, RenderContext, DeliveryRow)``, at send time, from
current data) and its policy (``grace``: how late it may still go out; ``priority``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bot.settings import Settings
from content import Content

P = TypeVar("P")


def payload_json(payload: object) -> dict[str, Any]:
    """A kind's frozen payload dataclass as the JSON the ledger stores (dates as ISO strings)."""
    if payload is None:
        return {}
    values = {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}  # type: ignore[arg-type]
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in values.items()}


def read_payload(kind: type[P], data: Mapping[str, Any]) -> P | None:
    """The stored JSON as ``kind`` (a frozen dataclass); None when it does not fit."""
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
    """One occurrence that should exist in the ledger. Its key is (workspace, kind, recipient, period)."""

    workspace_id: int
    member_id: int | None
    recipient_id: str
    """A user ID (``U…``/``W…``: the message goes to the DM) or a channel ID (``C…``/``G…``)."""
    period_key: str
    """Which occurrence (``2026-W47``, ``stuck-12-0``…): unique per recipient and kind, never parsed back."""
    due_at: datetime
    payload: object = None
    """The kind's frozen dataclass: what its renderer reads (``read_payload``)."""


@dataclass(frozen=True)
class PlanContext:
    content: Content
    settings: Settings
    at: datetime


@dataclass(frozen=True)
class RenderContext:
    content: Content
    settings: Settings
    now: datetime


@dataclass(frozen=True)
class DeliveryRow:
    """A claimed ledger row, as a renderer and the delivery loop see it."""

    id: int
    workspace_id: int
    member_id: int | None
    kind: str
    recipient_id: str
    period_key: str
    due_at: datetime
    attempts: int
    attempt_started_at: datetime
    """When the current series of attempts began (reconciliation looks for messages from then on)."""
    channel_id: str | None
    uncertain: bool
    """Claimed while still ``sending`` after its lease: an earlier attempt may have reached Slack."""
    last_error: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Skip:
    """The renderer decided this nudge should not go out after all (opted out, already resolved…)."""

    reason: str


@dataclass(frozen=True)
class Defer:
    """Not now, but not never: back to ``due`` until ``until`` (away, paused, outside working days or
    quiet hours). Not counted as an attempt. ``reason`` goes to the ledger's ``last_error``."""

    until: datetime
    reason: str


Planner = Callable[[Session, PlanContext], list[PlannedNudge]]
Renderer = Callable[[Session, RenderContext, DeliveryRow], Message | Skip | Defer]
PermanentErrorHook = Callable[[Session, DeliveryRow, str], None]


@dataclass(frozen=True)
class NudgeType:
    kind: str
    plan: Planner
    render: Renderer
    grace: timedelta
    """A planned occurrence already older than this when first planned is recorded as skipped, not sent."""
    priority: int = 100
    """Lower goes first when a tick has more to send than it can (a stuck nudge before a weekly prompt)."""
    on_permanent_error: PermanentErrorHook | None = None
    """Called in the marking transaction when Slack refuses a recipient for good (e.g. forget a
    manager's digest channel on not_in_channel); user recipients are blocked by the loop itself."""

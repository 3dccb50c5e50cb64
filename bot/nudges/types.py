"""The small vocabulary every nudge kind speaks: what a planner returns, what a renderer gets and gives.

A *kind* of nudge is three things (see :mod:`bot.nudges.registry`):

- a **planner**: ``plan(session, PlanContext) -> list[PlannedNudge]``: every occurrence that is due
  by ``ctx.at`` (the most recent one per recipient is enough; older ones are already in the
  ledger). Planners read the database in bulk (one query for all candidates), compute local
  times in Python and never write: :func:`bot.nudges.ledger.ensure` inserts what is new.
- a **renderer**: ``render(session, RenderContext, DeliveryRow) -> Message | Skip``, called at send
  time, so the message reflects current data (and can decide the nudge is no longer wanted).
- its **policy**: how late it may still go out (``grace``) and its ``priority`` in a busy tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.settings import Settings
from content import Content


@dataclass(frozen=True)
class PlannedNudge:
    """One occurrence that should exist in the ledger. Its key is (workspace, kind, recipient, period)."""

    workspace_id: int
    member_id: int | None
    recipient_id: str
    """A user ID (``U…``/``W…``: the message goes to the DM) or a channel ID (``C…``/``G…``)."""
    period_key: str
    """Which occurrence: ``2026-W47``, ``stuck-12-0``, … unique per recipient and kind."""
    due_at: datetime


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
    """A ledger row as a renderer and the delivery loop see it (a claimed row)."""

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
    """An earlier attempt may have reached Slack (lease expired, 5xx, dropped connection)."""
    last_error: str | None = None


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
    """Not now, but not never: the row goes back to pending until ``until`` (the member is away, paused,
    or it is outside their working days or quiet hours). Not counted as an attempt."""

    until: datetime
    reason: str
    """Shown in the ledger's ``last_error``; never user text."""


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
    """Called (in the marking transaction) when Slack refuses for good, e.g. not_in_channel for a
    channel recipient. User recipients are blocked by the delivery loop itself; this hook is for
    what only the kind knows (e.g. forget a manager's digest channel)."""


def is_user_id(recipient_id: str) -> bool:
    return recipient_id[:1] in {"U", "W"}

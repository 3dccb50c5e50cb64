"""The nudge ledger (``nudge_deliveries``) and the shared send rate (``send_buckets``)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, synonym

from bot.db.models.base import Base, _values
from bot.db.types import UTCDateTime


class NudgeKind(enum.StrEnum):
    WEEKLY_PROMPT = "weekly_prompt"
    STUCK = "stuck"
    REVIEW_REMINDER = "review_reminder"
    DIGEST = "digest"
    REVIEW_RATING = "review_rating"
    REVIEW_AGENDA = "review_agenda"
    STAGE_CHANGED = "stage_changed"
    FOUND_THIS_WEEK = "found_this_week"
    MANAGER_NAMED = "manager_named"


class DeliveryStatus(enum.StrEnum):
    """A ledger row's state: ``due`` → ``sending`` → ``sent`` | ``skipped`` | ``failed`` (or back to ``due``)."""

    DUE = "due"
    SENDING = "sending"
    """Claimed until ``next_attempt_at`` (the lease); a row still ``sending`` after that may have reached Slack
    (a crash, a 5xx, a dropped connection) and is reconciled before it is sent again."""
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class DeliveryReason(enum.StrEnum):
    """Why a row is in its state, beside the human ``last_error``: what code asks, never a text prefix."""

    AWAY = "away"
    """Due, held until the member's away status ends (the nudge pass releases it once the status clears)."""
    PAUSED = "paused"
    """Due, held until the member's pause ends (released at once when they resume early)."""
    QUIET = "quiet"
    """Due, moved to the member's next working time (working days, quiet hours)."""
    DEFERRED = "deferred"
    """Due, waiting for what its renderer asked (a GitHub rate limit or outage)."""
    RETRY = "retry"
    """Due again after Slack surely did not post it (a refusal, a 429, a render failure, a channel's rate)."""
    UNCERTAIN = "uncertain"
    """Sending, its outcome unknown (a 5xx, a dropped connection): reconciled before any retry."""
    MISSED = "missed"
    """Skipped: older than its kind's grace when first planned."""
    TIME_OFF = "time_off"
    """Skipped: a weekly prompt while the member was away or paused (the next one welcomes them back)."""


CLAIMABLE = "status IN ('due', 'sending')"
HELD = "reason IN ('away', 'paused')"
"""Rows held for a member's time off (``ledger.release_returned`` looks for them every tick, by its index)."""

SNOOZE_MARK = "-snooze-"
"""In a weekly prompt's ``period_key`` between the ISO week and the snooze's instant
(``2026-W47-snooze-20261120T2100Z``): written by the weekly planner, left out of the nag count."""


class NudgeDelivery(Base):
    """The ledger: what is due, what was sent. Its unique key makes sending idempotent."""

    __tablename__ = "nudge_deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "recipient_id", "period_key", name="uq_nudge_deliveries_key"),
        # A member's rows (deletion, holds) and their earlier prompts of one kind, newest first (each
        # weekly prompt's render): without kind and due_at here, SQLite read every earlier row of the kind.
        Index("ix_nudge_deliveries_member_kind_due", "member_id", "kind", "due_at"),
        # Planners look up what already exists for one kind and a recent range of due times.
        Index("ix_nudge_deliveries_kind_due", "kind", "due_at"),
        # The claim asks per workspace "is anything due?" and takes that workspace's most urgent row
        # (``pacing.take``, ``ledger.claim``); its ORDER BY … LIMIT 1 walks this index of the rows still to do,
        # never the history. (It replaced the index on (priority, next_attempt_at): one index fewer to
        # write for each of a million planned prompts.)
        Index(
            "ix_nudge_deliveries_workspace_claim",
            "workspace_id",
            "priority",
            "next_attempt_at",
            postgresql_where=text(CLAIMABLE),
            sqlite_where=text(CLAIMABLE),
        ),
        # The few rows held for time off, by member: releasing those whose member is back reads only them.
        Index("ix_nudge_deliveries_held", "member_id", postgresql_where=text(HELD), sqlite_where=text(HELD)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    """The member the nudge is about or for; deleting the member deletes its ledger rows."""
    kind: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[str] = mapped_column(String(32))
    """A user ID (DMs go straight to it) or a channel ID (digests)."""
    period_key: Mapped[str] = mapped_column(String(64))
    """Which occurrence: an ISO week, a stuck session and extension, a review date and offset."""
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What the renderer needs, as JSON: its planner's frozen ``Payload`` (read by ``types.read_payload``)."""
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, create_constraint=False, length=16, values_callable=_values),
        default=DeliveryStatus.DUE,
    )
    priority: Mapped[int] = mapped_column(SmallInteger, default=100)
    """The kind's priority when planned: lower is claimed first."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the row may next be claimed: a due row's time, retry or end of hold; a ``sending`` row's lease end
    (after it the row is taken over as uncertain). The claim orders by it alone, for both."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the current series of attempts began (reconciliation reads the DM's history from then)."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    """Where Slack says the message landed (the DM channel for a user recipient)."""
    last_error: Mapped[str | None] = mapped_column(String(500))
    """What happened last, for people (an error, why it was skipped or held); code reads ``reason``."""
    reason: Mapped[DeliveryReason | None] = mapped_column(
        Enum(DeliveryReason, native_enum=False, create_constraint=False, length=16, values_callable=_values)
    )
    """Why the row is in its state (``DeliveryReason``); None for a row planned due, or sent or failed."""
    response: Mapped[str | None] = mapped_column(String(32))
    """What the recipient answered, when the message asks (e.g. "nothing this week")."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # The answer convention for weekly prompts: ``answer`` (the ``response`` column) holds what the
    # member answered. A prompt counts as answered when it is set to anything but a snooze
    # ("snoozed_later_today", "snoozed_next_week"): "win_recorded" (a reply in the prompt's thread,
    # saved as a win) or "nothing_this_week" (its button).
    # See bot.services.prompts.is_answered.
    answer = synonym("response")


class SendBucket(Base):
    """A workspace's (or one of its channels') send rate, shared by every process (``bot/nudges/pacing.py``):
    a token bucket whose row a claim locks (``FOR UPDATE SKIP LOCKED``), and the pause the last 429 asked
    for. Times are wall clock seconds (epoch), compared only with the wall clock of the replica reading them."""

    __tablename__ = "send_buckets"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True, default="")
    """``""``: the workspace's own bucket; a channel's id: that channel's (Slack allows about one message a
    second in a channel, whatever the workspace's rate)."""
    next_send_at: Mapped[float] = mapped_column(Double, default=0.0)
    """When the next message may go (epoch seconds)."""
    paused_until: Mapped[float] = mapped_column(Double, default=0.0)
    """Retry-After of the last 429 any replica met, as an instant (epoch seconds)."""
    rate_limited: Mapped[int] = mapped_column(Integer, default=0)
    """429s met so far, by every replica (for operators; never reset)."""

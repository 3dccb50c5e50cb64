"""The brag document (wins and the evidence they show) and ``/stuck`` sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.models.base import Base
from bot.db.models.people import Visibility
from bot.db.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from bot.db.models.people import Member


class EntrySource(enum.StrEnum):
    COMMAND = "command"
    MODAL = "modal"
    SHORTCUT = "shortcut"
    STUCK = "stuck"
    DM = "dm"
    """Written to the bot in its DM (Messages tab)."""
    PROMPT_REPLY = "prompt_reply"
    """A reply in the thread of the weekly prompt."""
    FOUND = "found"
    """A found item (GitHub: a merged pull request, a review, a closed issue) the member chose to save."""


class StuckStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class GrowthSignal(enum.StrEnum):
    """What a win says the person did, in the roadmap's words: "decisions you make vs. propose vs. learn"."""

    DECIDED = "decided"
    PROPOSED = "proposed"
    LEARNED = "learned"


class BragEntry(Base):
    __tablename__ = "brag_entries"
    __table_args__ = (
        Index("ix_brag_entries_member_created", "member_id", "created_at"),
        Index("ix_brag_entries_slack_message", "slack_channel_id", "slack_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    lesson: Mapped[str | None] = mapped_column(Text)
    """What the author would do differently next time."""
    link: Mapped[str | None] = mapped_column(String(1000))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, 16), default=Visibility.PRIVATE)
    source: Mapped[EntrySource] = mapped_column(enum_column(EntrySource, 16), default=EntrySource.COMMAND)
    credited_user_id: Mapped[str | None] = mapped_column(String(32))
    """For a win saved from someone else's message: who wrote it (e.g. the person thanking you)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    growth_signal: Mapped[GrowthSignal | None] = mapped_column(enum_column(GrowthSignal, 16))
    """decided / proposed / learned (see :class:`GrowthSignal`), suggested from the text; None for neither."""
    growth_signal_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The member picked the signal (a button, or the form's choice) rather than accepting the guess from
    the text: only a chosen decided / proposed counts as next-stage evidence."""

    member: Mapped[Member] = relationship(back_populates="entries")
    evidence: Mapped[list[BragEvidence]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    suggested_evidence: Mapped[str | None] = mapped_column(String(300))
    """Suggested evidence keys awaiting the member's confirmation, comma-separated; they count for
    nothing (progress, digest) until confirmed, which moves them into ``evidence``."""
    slack_channel_id: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    """The DM message the win was written in (channel and ts): its edits and deletion find it here.
    A message with several bullet lines holds several wins, in id order."""

    @property
    def evidence_keys(self) -> list[str]:
        return [item.evidence_key for item in self.evidence]

    @property
    def suggested_keys(self) -> list[str]:
        return [key for key in (self.suggested_evidence or "").split(",") if key]


class BragEvidence(Base):
    __tablename__ = "brag_evidence"
    __table_args__ = (Index("ix_brag_evidence_key", "evidence_key"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("brag_entries.id", ondelete="CASCADE"), primary_key=True)
    evidence_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """An exit-criterion key (``s1-...``) or a growth-tactic key (``t-...``) from the content package."""

    entry: Mapped[BragEntry] = relationship(back_populates="evidence")


class StuckSession(Base):
    __tablename__ = "stuck_sessions"
    __table_args__ = (Index("ix_stuck_sessions_status_due", "status", "nudge_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    what: Mapped[str | None] = mapped_column(Text)
    status: Mapped[StuckStatus] = mapped_column(enum_column(StuckStatus, 16), default=StuckStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nudge_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    """How often the user asked for 15 more minutes; part of the nudge's ledger period."""
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    asked_for_help_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    win_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the person took up the offer to save this session as a win (at most once per session)."""

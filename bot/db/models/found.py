"""Evidence found for the member in the tools they work in (issue 27): GitHub now, any Source later."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base
from bot.db.types import UTCDateTime, enum_column


class FoundRole(enum.StrEnum):
    """What the member did to the item, by their own action (never someone else's on the same item)."""

    AUTHORED = "authored"
    """A pull request they authored that was merged (dated by the merge)."""
    REVIEWED = "reviewed"
    """A review they submitted on someone else's pull request (dated by their review, not the PR)."""
    CLOSED = "closed"
    """An issue they closed themselves (dated by their close)."""


class FoundStatus(enum.StrEnum):
    NEW = "new"
    """Found, not yet shown."""
    OFFERED = "offered"
    """Shown once (``offered_in`` says in which message); never shown in another."""
    SAVED = "saved"
    """The member saved it as a win (``entry_id``)."""
    SKIPPED = "skipped"
    """The member skipped it: hidden for good."""


class ConnectedAccount(Base):
    """A member's account on a source (``github``): who they are there and the token, encrypted at rest."""

    __tablename__ = "connected_accounts"
    __table_args__ = (UniqueConstraint("member_id", "source", name="uq_connected_accounts_member_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    """The account's id on the source (GitHub's numeric user id): a renamed login stays the same account."""
    login: Mapped[str] = mapped_column(String(100))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    """The access token, Fernet-encrypted with TOKEN_ENCRYPTION_KEY; never exported, never logged."""
    scopes: Mapped[str] = mapped_column(String(200))
    """The scopes the source granted, as it reported them ("" = public data only, "repo" = private too)."""
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The source asked us to wait (rate limit, Retry-After) until then: no call with this token before."""


class ConnectState(Base):
    """An OAuth ``state`` bound to the member who asked to connect: the callback proves the same person."""

    __tablename__ = "connect_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FoundItem(Base):
    """Something the member did that a source shows; it counts for nothing until they save it as a win."""

    __tablename__ = "found_items"
    __table_args__ = (
        # One row per member, source, item and role, ever: an item is never offered twice, across runs and
        # replicas (the insert that loses the race is ignored).
        UniqueConstraint("member_id", "source", "item_key", name="uq_found_items_member_item"),
        Index("ix_found_items_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    item_key: Mapped[str] = mapped_column(String(200))
    """``<role>:<the source's id for the item>``, e.g. ``reviewed:PR_kwDO…``."""
    role: Mapped[FoundRole] = mapped_column(enum_column(FoundRole, 16))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))
    repository: Mapped[str] = mapped_column(String(200))
    private: Mapped[bool] = mapped_column(Boolean)
    """In a private repository: named only to this member, and saved as a private win."""
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the member acted: merged (their PR), submitted (their review), closed (their close)."""
    suggested_evidence: Mapped[str | None] = mapped_column(String(300))
    """The evidence ranker's confident suggestion(s), comma-separated; None when it abstained."""
    status: Mapped[FoundStatus] = mapped_column(enum_column(FoundStatus, 16))
    offered_in: Mapped[str | None] = mapped_column(String(64))
    """Which message showed it (a week's period key, or ``now-<unix time>`` for "find now")."""
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("brag_entries.id", ondelete="SET NULL"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

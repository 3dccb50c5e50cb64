"""What the request path stores: events already handled, the request inbox, notices sent and muted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base
from bot.db.types import UTCDateTime


class ProcessedEvent(Base):
    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class InboxRequest(Base):
    """A verified Slack request acknowledged but not yet finished (``bot/services/inbox.py``).

    Written before the ack and deleted in the transaction that applies it (or once its listener has
    answered), so a row left behind is work a crash interrupted: it is dispatched again once its lease
    has lapsed. ``body`` is the request as Bolt parsed it (people's words: deleted with the row).
    """

    __tablename__ = "inbox_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[str] = mapped_column(Text)


class NoticeSent(Base):
    """A message the bot sent one person because of what another did (``bot/services/notices.py``).

    Unique per (workspace, kind, actor, recipient, UTC day): flipping ``/coach manager`` between two people 30
    times sent one of them 15 "named you as their manager" DMs; now it is one a day at most.
    """

    __tablename__ = "notices_sent"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "actor_user_id", "recipient_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[str] = mapped_column(String(32))
    """A user or a channel id."""
    day: Mapped[date] = mapped_column(Date, index=True)


class NoticeMute(Base):
    """``recipient`` asked the bot not to message them because of what ``about`` does (``bot/services/notices.py``)."""

    __tablename__ = "notice_mutes"
    __table_args__ = (UniqueConstraint("workspace_id", "recipient_user_id", "about_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    recipient_user_id: Mapped[str] = mapped_column(String(32))
    about_user_id: Mapped[str] = mapped_column(String(32))
    muted_at: Mapped[datetime] = mapped_column(UTCDateTime)

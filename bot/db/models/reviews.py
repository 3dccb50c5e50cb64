"""Review self-ratings: one conversation per review, the report's and the invited manager's ratings."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.models.base import Base
from bot.db.types import UTCDateTime, enum_column


class Rater(enum.StrEnum):
    """Who gave a review rating."""

    SELF = "self"
    """The report, rating themselves."""
    MANAGER = "manager"
    """The manager the report invited."""


class RatingLevel(enum.IntEnum):
    """How consistently a criterion shows, as the person (or their invited manager) sees it."""

    NOT_YET = 0
    SOMETIMES = 1
    CONSISTENTLY = 2


class ReviewConversation(Base):
    """One review's self-rating round: the report's ratings, and their manager's if the report invited them."""

    __tablename__ = "review_conversations"
    __table_args__ = (UniqueConstraint("member_id", "review_date", name="uq_review_conversations_member_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    review_date: Mapped[date] = mapped_column(Date)
    stage: Mapped[int] = mapped_column(SmallInteger)
    """The stage whose exit criteria are rated (the report's stage when they first rated)."""
    invited_manager_id: Mapped[str | None] = mapped_column(String(32))
    """The manager the report invited to rate; nobody else may see or give ratings."""
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    self_rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manager_rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agenda_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ratings: Mapped[list[ReviewRating]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class ReviewRating(Base):
    __tablename__ = "review_ratings"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("review_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    rater: Mapped[Rater] = mapped_column(enum_column(Rater, 16), primary_key=True)
    criterion_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)

    conversation: Mapped[ReviewConversation] = relationship(back_populates="ratings")

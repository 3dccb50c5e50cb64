"""Workspaces and their members: who the bot serves, their schedule and their time rules."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.models.base import Base
from bot.db.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from bot.db.models.wins import BragEntry


class Visibility(enum.StrEnum):
    """Who may read a win, named for the person choosing (see ``bot.blocks.brag.audience_label``)."""

    PRIVATE = "private"
    """Only me."""
    MANAGER = "manager"
    """My manager, by name: in their weekly digest by DM, never in a channel."""
    TEAM_CHANNEL = "team_channel"
    """My manager's team digest channel (everyone in it); offered once the manager has set one."""


FRIDAY = 4
DEFAULT_PROMPT_MINUTE = 16 * 60
DEFAULT_TIMEZONE = "UTC"
DEFAULT_WORKDAYS = 0b0011111
"""Monday to Friday (bit 0 = Monday)."""


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list[Member]] = relationship(back_populates="workspace", passive_deletes=True)

    # The paged users.list pass (bot/tick/directory.py): where it is, so each tick fetches a few pages.
    profile_cursor: Mapped[str | None] = mapped_column(String(255))
    """Slack's ``next_cursor`` for the pass under way; None between passes."""
    profile_page_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When a tick last took this workspace's pages: at most one taker a minute (Tier 2 budget)."""
    profile_pass_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profile_pass_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slack_user_id", name="uq_members_workspace_user"),
        Index("ix_members_manager", "workspace_id", "manager_slack_user_id"),
        # The weekly planner reads only the members whose prompt fell due (and due snoozes).
        Index("ix_members_prompt_due", "prompt_due_at"),
        Index("ix_members_prompt_snoozed_until", "prompt_snoozed_until"),
        # The review and digest planners look only at members with a review date, a digest channel or a
        # named manager: a few of 1,000,000, where each planner read them all every minute (100-260 ms).
        Index(
            "ix_members_review_date",
            "review_date",
            postgresql_where=text("review_date IS NOT NULL"),
            sqlite_where=text("review_date IS NOT NULL"),
        ),
        Index(
            "ix_members_digest_channel",
            "digest_channel_id",
            postgresql_where=text("digest_channel_id IS NOT NULL"),
            sqlite_where=text("digest_channel_id IS NOT NULL"),
        ),
        Index(
            "ix_members_named_manager",
            "workspace_id",
            "manager_slack_user_id",
            postgresql_where=text("manager_slack_user_id IS NOT NULL"),
            sqlite_where=text("manager_slack_user_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str | None] = mapped_column(String(100))
    """From Slack's profile: digests name people in plain text instead of @-mentioning them."""
    stage: Mapped[int | None] = mapped_column(SmallInteger)
    stage_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    timezone_from_slack: Mapped[bool] = mapped_column(Boolean, default=True)
    """False once the user picked a timezone in settings: Slack's value then stops overwriting it."""
    timezone_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Consent-based manager link: the report names the manager; the manager sees only shared entries.
    manager_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    manager_linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    default_visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, 16), default=Visibility.PRIVATE)
    weekly_prompt_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    prompt_weekday: Mapped[int] = mapped_column(SmallInteger, default=FRIDAY)
    """0 = Monday ... 6 = Sunday."""
    prompt_minute: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_PROMPT_MINUTE)
    """Minutes after local midnight: 960 = 16:00."""
    prompt_snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prompts_chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the member turned weekly prompts on themselves (settings saved with them on). Until then, or a
    stage or a first win, nobody gets weekly prompts: setting up a digest enrolled managers who never
    asked for one (issue #22)."""
    prompt_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the weekly planner next needs to look at this member: their next weekly occurrence after the
    last plan (``bot/nudges/kinds/weekly_prompt.py``); None: at the next tick. Changing any input of the
    schedule through the ORM clears it (``_schedule_changed`` below); a Core UPDATE of those columns must
    set it to None too."""
    stuck_nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    review_reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    review_date: Mapped[date | None] = mapped_column(Date)
    last_review_date: Mapped[date | None] = mapped_column(Date)

    digest_channel_id: Mapped[str | None] = mapped_column(String(32))
    """Set by a manager with ``/coach digest #channel``."""

    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivery_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set when Slack answered with a permanent error (account gone, bot blocked)."""
    delivery_blocked_reason: Mapped[str | None] = mapped_column(String(64))
    previous_stage: Mapped[int | None] = mapped_column(SmallInteger)
    """The stage before the last change: the manager is told what changes for them."""

    workspace: Mapped[Workspace] = relationship(back_populates="members")
    entries: Mapped[list[BragEntry]] = relationship(back_populates="member", passive_deletes=True)

    # Time off, pausing, working days and quiet hours (bot/nudges/availability.py).
    away_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the users.list pass first saw an away status (vacation, out sick, OOO); None when not away."""
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The status's ``status_expiration``; None when Slack gives none (away until the status is cleared)."""
    paused_until: Mapped[date | None] = mapped_column(Date)
    """``/coach pause until <date>``: no nudges before that local date."""
    workdays: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_WORKDAYS, server_default=str(DEFAULT_WORKDAYS))
    """A bit per weekday, Monday = bit 0: 31 = Monday to Friday."""
    quiet_start_minute: Mapped[int | None] = mapped_column(SmallInteger)
    """Start of the member's quiet window (minutes after local midnight); None = no quiet window."""
    quiet_end_minute: Mapped[int | None] = mapped_column(SmallInteger)


SCHEDULE_INPUTS = (
    "timezone",
    "prompt_weekday",
    "prompt_minute",
    "weekly_prompt_enabled",
    "delivery_blocked_at",
    "enrolled_at",
    "stage",
    "prompts_chosen_at",
)
"""What a member's weekly occurrence depends on, or whether they get one at all (a stage or prompts chosen
make a member eligible, issue #22): a change to any of them re-plans the member."""


def _schedule_changed(target: Member, value: object, old: object, _initiator: object) -> None:
    if value != old:
        target.prompt_due_at = None


for _name in SCHEDULE_INPUTS:
    event.listen(getattr(Member, _name), "set", _schedule_changed)

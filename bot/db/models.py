"""The data model for the whole mission.

- ``Workspace``: one Slack team the bot serves (tokens live in the installation store).
- ``Member``: a person who has used the bot in a workspace: stage, timezone, manager link,
  prompt preferences, review date, digest channel (for managers).
- ``BragEntry`` + ``BragEvidence``: the brag document; evidence ties an entry to exit
  criteria or growth tactics by their content key.
- ``StuckSession``: one ``/stuck`` timer.
- ``NudgeDelivery``: the scheduling ledger. One row per (workspace, kind, recipient, period);
  the unique key is what makes every nudge, prompt, reminder and digest go out exactly once.
- ``ProcessedEvent``: Events API ids already handled (Slack retries deliveries).
- ``ConnectedAccount`` / ``ConnectState`` / ``FoundItem``: evidence found for the member in another tool
  (GitHub): the account with its token encrypted, a connect in progress, and what was found, offered once.
- ``slack_installations`` / ``slack_bots`` / ``slack_oauth_states``: slack_sdk's OAuth stores,
  declared on our metadata so Alembic owns them too.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, synonym

from bot.db.types import UTCDateTime, enum_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# slack_sdk builds its tables on whatever MetaData it is given; putting them on ours lets
# Alembic create, migrate and drift-check them with everything else.
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")


class Visibility(enum.StrEnum):
    """Who may read a win, named for the person choosing (see ``bot.blocks.brag.audience_label``)."""

    PRIVATE = "private"
    """Only me."""
    MANAGER = "manager"
    """My manager, by name: in their weekly digest by DM, never in a channel."""
    TEAM_CHANNEL = "team_channel"
    """My manager's team digest channel (everyone in it); offered once the manager has set one."""


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


class Rater(enum.StrEnum):
    """Who gave a review rating."""

    SELF = "self"
    """The report, rating themselves."""
    MANAGER = "manager"
    """The manager the report invited."""


class NudgeKind(enum.StrEnum):
    WEEKLY_PROMPT = "weekly_prompt"
    STUCK = "stuck"
    REVIEW_REMINDER = "review_reminder"
    DIGEST = "digest"
    REVIEW_RATING = "review_rating"
    REVIEW_AGENDA = "review_agenda"
    STAGE_CHANGED = "stage_changed"
    FOUND_THIS_WEEK = "found_this_week"


class DeliveryStatus(enum.StrEnum):
    """A ledger row's state: ``due`` → ``sending`` → ``sent`` | ``skipped`` | ``failed`` (or back to ``due``)."""

    DUE = "due"
    SENDING = "sending"
    """Claimed until ``claim_expires_at``; a row still ``sending`` after that may have reached Slack
    (a crash, a 5xx, a dropped connection) and is reconciled before it is sent again."""
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


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
    last plan (``bot/nudges/planners/weekly_prompt.py``); None: at the next tick. Changing any input of the
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


CLAIMABLE = "status IN ('due', 'sending')"


def _values(enum_type: type[enum.StrEnum]) -> list[str]:
    """Store an enum's values (``"due"``), not its member names."""
    return [member.value for member in enum_type]


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
    """``due``: when it may be claimed. ``sending``: when the claim's lease ends."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the current series of attempts began (reconciliation reads the DM's history from then)."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    """Where Slack says the message landed (the DM channel for a user recipient)."""
    last_error: Mapped[str | None] = mapped_column(String(500))
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


# -- Evidence found for the member in the tools they work in (issue 27): GitHub now, any Source later ----------


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

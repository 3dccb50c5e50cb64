"""The stuck timer: start, extend, close, and asking for help, each checked against its owner.

State changes are compare-and-set updates (``WHERE status = 'open' …``), so a double click or
two replicas handling the same click change a session once, and the brag entry that asking early
earns is written at most once per session.

*Asking early* (the Stage 1 habit "30 minutes stuck = time to ask") is recorded when:

- the person posts a help request through the modal (``asked_for_help_at``), before or after the
  nudge: surfacing a blocker instead of struggling alone; or
- the person marks themselves unblocked within ``STUCK_MINUTES`` of starting the timer (they did
  not need the nudge; with a help request already posted, nothing more is added).

Either way a private brag entry is saved with evidence for ``s1-minimal-back-and-forth``
("Complete tasks with minimal back-and-forth"): blockers surfaced early are what keeps the
back-and-forth minimal. It is saved automatically (it can be deleted like any entry), because
the moment is the point: asking someone to click "save" afterwards is how wins get lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, EntrySource, Member, StuckSession, StuckStatus, Visibility
from bot.services import brag
from bot.services.stages import load_member
from bot.services.storable import storable
from content import Content

ASKING_EARLY_CRITERION = "s1-minimal-back-and-forth"
MORE_TIME = timedelta(minutes=15)
MAX_WHAT = 1000


class NotYourSession(PermissionError):
    """The acting member does not own this stuck session (or it does not exist)."""


@dataclass(frozen=True)
class TimerStarted:
    session_id: int
    what: str | None
    due_at: datetime
    restarted: bool
    """A running timer was closed and replaced by this one."""
    nudges_on: bool
    """Whether the member gets the stuck nudge at ``due_at`` (they may have turned it off)."""


@dataclass(frozen=True)
class TimerClosed:
    changed: bool
    """False when the session was already closed."""
    minutes: int
    criterion_text: str | None = None
    """The criterion the asking-early win was saved against, when closing it earned one."""


@dataclass(frozen=True)
class HelpDraft:
    """What the help-request modal starts from; None from :func:`help_draft` when the timer is closed."""

    session_id: int
    tried: str | None


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


def _open_session(session: Session, member_id: int) -> StuckSession | None:
    return session.scalar(
        select(StuckSession)
        .where(StuckSession.member_id == member_id, StuckSession.status == StuckStatus.OPEN)
        .order_by(StuckSession.started_at.desc(), StuckSession.id.desc())
        .limit(1)
    )


def _owned_session(session: Session, member_id: int, session_id: int) -> StuckSession:
    stuck = session.get(StuckSession, session_id)
    if stuck is None or stuck.member_id != member_id:
        raise NotYourSession(session_id)
    return stuck


def start_timer(db: Database, member_id: int, what: str | None, now: datetime, minutes: int) -> TimerStarted:
    """Start a timer. One open session per member: a running one is closed and replaced.

    A fresh session (not a reset of the old one) gets a fresh ledger period, so its nudge is not
    mistaken for one already sent. Bare ``/stuck`` while a timer runs restarts it on the same topic.
    """
    with db.transaction() as session:
        member = load_member(session, member_id)
        cleaned = " ".join(storable(what or "").split())[:MAX_WHAT] or None
        previous = _open_session(session, member.id)
        if previous is not None:
            session.execute(
                update(StuckSession)
                .where(StuckSession.id == previous.id, StuckSession.status == StuckStatus.OPEN)
                .values(status=StuckStatus.RESOLVED, resolved_at=now)
                .execution_options(synchronize_session=False)
            )
            cleaned = cleaned or previous.what
        due = now + timedelta(minutes=minutes)
        stuck = StuckSession(
            member_id=member.id, what=cleaned, status=StuckStatus.OPEN, started_at=now, nudge_due_at=due
        )
        session.add(stuck)
        session.flush()
        return TimerStarted(stuck.id, cleaned, due, previous is not None, member.stuck_nudges_enabled)


def finish_timer(
    db: Database, content: Content, member_id: int, now: datetime, stuck_minutes: int
) -> TimerClosed | None:
    """``/stuck done``: close the member's running timer; None when none runs."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        stuck = _open_session(session, member.id)
        return None if stuck is None else _resolve(session, content, member, stuck, now, stuck_minutes)


def unblock(
    db: Database, content: Content, member_id: int, session_id: int, now: datetime, stuck_minutes: int
) -> TimerClosed:
    """The Unblocked button: close that timer (:class:`NotYourSession` unless it is the member's)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        stuck = _owned_session(session, member.id, session_id)
        return _resolve(session, content, member, stuck, now, stuck_minutes)


def more_time(db: Database, member_id: int, session_id: int, now: datetime) -> datetime | None:
    """Fifteen more minutes: a new nudge (a new ledger period) at now + 15 min. None if closed."""
    with db.transaction() as session:
        stuck = _owned_session(session, member_id, session_id)
        due = now + MORE_TIME
        result = session.execute(
            update(StuckSession)
            .where(
                StuckSession.id == stuck.id,
                StuckSession.status == StuckStatus.OPEN,
                StuckSession.extensions == stuck.extensions,
            )
            .values(extensions=stuck.extensions + 1, nudge_due_at=due)
            .execution_options(synchronize_session=False)
        )
        return due if getattr(result, "rowcount", 0) == 1 else None


def help_draft(db: Database, member_id: int, session_id: int) -> HelpDraft | None:
    """The help-request modal for the member's own timer; None when it is closed (:class:`NotYourSession`)."""
    with db.transaction() as session:
        stuck = _owned_session(session, member_id, session_id)
        return HelpDraft(stuck.id, stuck.what) if stuck.status == StuckStatus.OPEN else None


def minutes_stuck(db: Database, member_id: int, session_id: int, now: datetime) -> int:
    """How long the member's own timer has run (:class:`NotYourSession` for anyone else's)."""
    with db.transaction() as session:
        return minutes_between(_owned_session(session, member_id, session_id).started_at, now)


def _save_asking_early(
    session: Session, content: Content, member: Member, stuck: StuckSession, what: str, now: datetime
) -> BragEntry:
    topic = f": {stuck.what}" if stuck.what else ""
    return brag.create_entry(
        session,
        content,
        member,
        brag.WinInput(
            f"{what}{topic}"[: brag.MAX_WHAT], evidence_keys=[ASKING_EARLY_CRITERION], visibility=Visibility.PRIVATE
        ),
        now=now,
        source=EntrySource.STUCK,
    )


def _resolve(
    session: Session, content: Content, member: Member, stuck: StuckSession, now: datetime, stuck_minutes: int
) -> TimerClosed:
    minutes = minutes_between(stuck.started_at, now)
    result = session.execute(
        update(StuckSession)
        .where(StuckSession.id == stuck.id, StuckSession.status == StuckStatus.OPEN)
        .values(status=StuckStatus.RESOLVED, resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return TimerClosed(changed=False, minutes=minutes)
    session.refresh(stuck)
    if stuck.asked_for_help_at is not None or now - stuck.started_at > timedelta(minutes=stuck_minutes):
        return TimerClosed(changed=True, minutes=minutes)
    _save_asking_early(
        session,
        content,
        member,
        stuck,
        f"Got unblocked within {max(1, minutes)} minutes instead of staying stuck",
        now,
    )
    return TimerClosed(changed=True, minutes=minutes, criterion_text=content.evidence_label(ASKING_EARLY_CRITERION))


def record_help_request(db: Database, content: Content, member_id: int, session_id: int, now: datetime) -> str | None:
    """The person asked for help in a channel: record it once per session, with its brag entry.

    Returns the criterion the asking-early win was saved against; None when this session had asked already.
    """
    with db.transaction() as session:
        member = load_member(session, member_id)
        stuck = _owned_session(session, member_id, session_id)
        result = session.execute(
            update(StuckSession)
            .where(StuckSession.id == stuck.id, StuckSession.asked_for_help_at.is_(None))
            .values(asked_for_help_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        session.refresh(stuck)
        minutes = max(1, minutes_between(stuck.started_at, now))
        _save_asking_early(session, content, member, stuck, f"Asked for help after {minutes} minutes stuck", now)
        return content.evidence_label(ASKING_EARLY_CRITERION)

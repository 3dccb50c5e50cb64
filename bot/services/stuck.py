"""The stuck timer: start, extend, close, and asking for help, each checked against its owner.

State changes are compare-and-set updates (``WHERE status = 'open' …``), so a double click or
two replicas handling the same click change a session once, and the brag entry that asking early
earns is written at most once per session.

*Asking early* (the Stage 1 habit "30 minutes stuck = time to ask") is recorded when:

- the person posts a help request through the modal (``asked_for_help_at``), before or after the
  nudge: surfacing a blocker instead of struggling alone; or
- the person marks themselves unblocked within ``STUCK_MINUTES`` of starting the timer (they did
  not need the nudge; with a help request already posted, nothing more is added).

Either way the bot *offers* to save it ("Save as a win" / "No thanks") and never writes a win by
itself: a win the person did not ask for, tagged with another stage's criterion, ended up in review
packets (issue 21). Saved, it is a private win whose evidence for ``s1-minimal-back-and-forth``
("Complete tasks with minimal back-and-forth": blockers surfaced early keep the back-and-forth
minimal) is only *suggested*, and only to a Stage 1 member: it is that stage's criterion. Like any
suggestion it counts once the person confirms it. At most one win per session (``win_saved_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import EntrySource, Member, StuckSession, StuckStatus, Visibility
from bot.services import brag, capture
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
class WinOffer:
    """Asking early, offered as a win: nothing is saved unless the person taps "Save as a win"."""

    session_id: int
    what: str
    """The win's text, as it would be saved."""
    criterion_text: str | None
    """The criterion it would be suggested for: only the member's own stage's (None otherwise)."""


@dataclass(frozen=True)
class TimerClosed:
    changed: bool
    """False when the session was already closed."""
    minutes: int
    offer: WinOffer | None = None
    """Closing early earned a win the person may save."""


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


def _asking_early_what(stuck: StuckSession) -> str | None:
    """The win a session earned, in words; None when it earned none (closed late, without asking)."""
    topic = f": {stuck.what}" if stuck.what else ""
    if stuck.asked_for_help_at is not None:
        minutes = max(1, minutes_between(stuck.started_at, stuck.asked_for_help_at))
        what = f"Asked for help after {minutes} minutes stuck"
    elif stuck.resolved_at is not None and stuck.status == StuckStatus.RESOLVED:
        what = f"Got unblocked within {max(1, minutes_between(stuck.started_at, stuck.resolved_at))} minutes"
        what += " instead of staying stuck"
    else:
        return None
    return f"{what}{topic}"[: brag.MAX_WHAT]


def _own_stage_suggestion(content: Content, member: Member) -> str | None:
    """The asking-early criterion when it is one of the member's own stage's exit criteria; else None."""
    if member.stage is None:
        return None
    own = {criterion.key for criterion in content.stage(member.stage).exit_criteria}
    return ASKING_EARLY_CRITERION if ASKING_EARLY_CRITERION in own else None


def _offer(content: Content, member: Member, stuck: StuckSession) -> WinOffer | None:
    what = _asking_early_what(stuck)
    if what is None or stuck.win_saved_at is not None:
        return None
    key = _own_stage_suggestion(content, member)
    return WinOffer(stuck.id, what, content.evidence_label(key) if key else None)


def save_offered_win(
    db: Database, content: Content, member_id: int, session_id: int, now: datetime, stuck_minutes: int
) -> capture.Card | None:
    """ "Save as a win": the session's asking-early win, saved once (a compare-and-set on ``win_saved_at``).

    None when the session earned no win or it was saved already (a double tap, two replicas);
    :class:`NotYourSession` for anyone else's session."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        stuck = _owned_session(session, member.id, session_id)
        late = (
            stuck.asked_for_help_at is None
            and stuck.resolved_at is not None
            and stuck.resolved_at - stuck.started_at > timedelta(minutes=stuck_minutes)
        )
        what = None if late else _asking_early_what(stuck)
        if what is None:
            return None
        claimed = session.execute(
            update(StuckSession)
            .where(StuckSession.id == stuck.id, StuckSession.win_saved_at.is_(None))
            .values(win_saved_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        suggestion = _own_stage_suggestion(content, member)
        entry = brag.create_entry(
            session,
            content,
            member,
            brag.WinInput(what, visibility=Visibility.PRIVATE),
            now=now,
            source=EntrySource.STUCK,
            suggested_keys=[suggestion] if suggestion else [],
        )
        return capture.Card([brag.summarize(content, entry)], member.stage, brag.audience_of(session, member))


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
        return TimerClosed(changed=True, minutes=minutes)  # asking was offered already, or it ran late
    return TimerClosed(changed=True, minutes=minutes, offer=_offer(content, member, stuck))


def record_help_request(
    db: Database, content: Content, member_id: int, session_id: int, now: datetime
) -> WinOffer | None:
    """The person asked for help in a channel: record it once per session, and offer it as a win.

    None when this session had asked already (its offer was made then).
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
        return _offer(content, member, stuck)

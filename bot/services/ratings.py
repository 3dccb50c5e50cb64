"""The review conversation: the report rates each exit criterion of their stage, privately, before a review.

- Fourteen days before the review date the report is asked (``bot/nudges/kinds/review_rating.py``).
- They rate each criterion *not yet / sometimes / consistently*; nobody else sees these ratings.
- They may invite their manager (the one they named) to rate the same criteria. The manager sees the
  criteria and nothing else: no ratings, no wins.
- Where the two ratings are two levels apart (*not yet* against *consistently*), both get a private
  agenda for the 1:1 (``bot/nudges/kinds/review_agenda.py``): the report's copy lists their wins for
  each criterion; the manager's lists only the wins the report shared.

Nothing is rated by the bot. Every read and write checks who is acting: the report owns the
conversation; only the invited manager, while still the report's named manager, may rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, BragEvidence, Member, Rater, RatingLevel, ReviewConversation, ReviewRating
from bot.services import notices
from bot.services.progress import SHARED_WITH_MANAGER
from bot.services.stages import load_member
from content import Content, Criterion

"""The names ``bot/nudges/kinds/review_agenda.py`` imports for its period keys; this package names ``Rater``."""
AGENDA_GAP = 2
"""Ratings this many levels apart go on the agenda: "not yet" against "consistently". One level apart
("sometimes" against either) is ordinary calibration, not a conversation the bot should start."""
LEVEL_LABELS = {
    RatingLevel.NOT_YET: "not yet",
    RatingLevel.SOMETIMES: "sometimes",
    RatingLevel.CONSISTENTLY: "consistently",
}
MAX_EVIDENCE_PER_CRITERION = 5


class RatingRefused(PermissionError):
    """The acting person may not see or give these ratings (not the report, not the invited manager)."""


class RatingInputError(ValueError):
    def __init__(self, criterion_key: str, message: str) -> None:
        super().__init__(message)
        self.criterion_key = criterion_key


@dataclass(frozen=True)
class RatingForm:
    """What a rating modal shows: the criteria (and the rater's own earlier answers), nothing else."""

    conversation_id: int
    rater: Rater
    review_date: date
    stage_title: str
    criteria: list[Criterion]
    current: dict[str, int]
    report_name: str
    manager_user_id: str | None
    """The report's named manager, whom the self-rating form offers to invite (None: no invitation offered)."""
    already_invited: bool


def _conversation(session: Session, member: Member, review_date: date, now: datetime) -> ReviewConversation:
    found = session.scalar(
        select(ReviewConversation).where(
            ReviewConversation.member_id == member.id, ReviewConversation.review_date == review_date
        )
    )
    if found is None:
        if member.stage is None:
            raise RatingRefused("no stage to rate")
        found = ReviewConversation(member_id=member.id, review_date=review_date, stage=member.stage, created_at=now)
        session.add(found)
        session.flush()
    return found


def _form(content: Content, conversation: ReviewConversation, member: Member, rater: Rater) -> RatingForm:
    stage = content.stage(conversation.stage)
    return RatingForm(
        conversation_id=conversation.id,
        rater=rater,
        review_date=conversation.review_date,
        stage_title=stage.title,
        criteria=list(stage.exit_criteria),
        current={r.criterion_key: r.level for r in conversation.ratings if r.rater == rater},
        report_name=member.display_name or "Your report",
        manager_user_id=member.manager_slack_user_id if rater == Rater.SELF else None,
        already_invited=conversation.invited_manager_id is not None,
    )


def self_rating_form(db: Database, content: Content, member_id: int, review_date: date, now: datetime) -> RatingForm:
    """The report's own form for this review (created on first open). Only for their current review date."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        if member.review_date != review_date:
            raise RatingRefused("that review date is no longer the member's")
        return _form(content, _conversation(session, member, review_date, now), member, Rater.SELF)


def _invited(session: Session, conversation_id: int, workspace_id: int, manager_user_id: str) -> ReviewConversation:
    """The conversation, if ``manager_user_id`` was invited to it and is still the report's manager."""
    conversation = session.get(ReviewConversation, conversation_id)
    if conversation is None or conversation.invited_manager_id != manager_user_id:
        raise RatingRefused("not invited")
    report = session.get(Member, conversation.member_id)
    if report is None or report.workspace_id != workspace_id or report.manager_slack_user_id != manager_user_id:
        raise RatingRefused("no longer the report's manager")
    return conversation


def manager_rating_form(db: Database, content: Content, member_id: int, conversation_id: int) -> RatingForm:
    """The invited manager's form (``member_id`` is the manager): the same criteria, none of the report's
    ratings or wins."""
    with db.transaction() as session:
        manager = load_member(session, member_id)
        conversation = _invited(session, conversation_id, manager.workspace_id, manager.slack_user_id)
        report = session.get(Member, conversation.member_id)
        assert report is not None  # checked by _invited
        return _form(content, conversation, report, Rater.MANAGER)


def _parse_levels(criteria: list[Criterion], answers: dict[str, str | None]) -> dict[str, int]:
    levels = {}
    for criterion in criteria:
        raw = answers.get(criterion.key)
        if raw is None or not raw.isdigit() or int(raw) not in {level.value for level in RatingLevel}:
            raise RatingInputError(criterion.key, "Pick one: not yet, sometimes or consistently.")
        levels[criterion.key] = int(raw)
    return levels


def _store(conversation: ReviewConversation, rater: Rater, levels: dict[str, int]) -> None:
    existing = {r.criterion_key: r for r in conversation.ratings if r.rater == rater}
    for key, level in levels.items():
        if key in existing:
            existing[key].level = level
        else:
            conversation.ratings.append(ReviewRating(rater=rater, criterion_key=key, level=level))


@dataclass(frozen=True)
class SavedRatings:
    rater: Rater
    invited_manager_id: str | None
    newly_invited: bool
    both_rated: bool
    invite_held: str | None = None
    """The manager not invited now: this report already invited them today (one invitation a day)..."""
    invite_muted: bool = False
    """...or they asked for no messages about this report..."""
    invite_limit: int = 0
    """...or this report already had the bot invite this many people today."""


def save_ratings(
    db: Database,
    content: Content,
    member_id: int,
    conversation_id: int,
    rater: Rater,
    answers: dict[str, str | None],
    invite_manager: bool,
    now: datetime,
) -> SavedRatings:
    """Save what the acting member rated as ``rater``: the report's own ratings (and invitation), or,
    as the invited manager, theirs. :class:`RatingRefused` when the form is not theirs to fill in."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        if rater == Rater.SELF:
            return _save_self_ratings(session, content, member, conversation_id, answers, invite_manager, now)
        return _save_manager_ratings(
            session, content, conversation_id, member.workspace_id, member.slack_user_id, answers, now
        )


def _save_self_ratings(
    session: Session,
    content: Content,
    member: Member,
    conversation_id: int,
    answers: dict[str, str | None],
    invite_manager: bool,
    now: datetime,
) -> SavedRatings:
    conversation = session.get(ReviewConversation, conversation_id)
    if conversation is None or conversation.member_id != member.id:
        raise RatingRefused("not the member's conversation")
    levels = _parse_levels(list(content.stage(conversation.stage).exit_criteria), answers)
    _store(conversation, Rater.SELF, levels)
    conversation.self_rated_at = now
    newly = False
    held: str | None = None
    muted = False
    limit = 0
    manager = member.manager_slack_user_id
    if invite_manager and manager and conversation.invited_manager_id is None:
        # One invitation a day per manager: inviting on 8 review dates sent 8 in 16 minutes (issue 24).
        notice = notices.decide(
            session,
            workspace_id=member.workspace_id,
            kind=notices.RATING_INVITED,
            actor=member.slack_user_id,
            recipient=manager,
            now=now,
        )
        if notice == notices.Notice.SEND:
            conversation.invited_manager_id = manager
            conversation.invited_at = now
            newly = True
        else:
            held, muted = manager, notice == notices.Notice.MUTED
            limit = notices.ACTOR_DAILY_LIMIT if notice == notices.Notice.ACTOR_LIMIT else 0
    session.flush()
    return SavedRatings(
        Rater.SELF,
        conversation.invited_manager_id,
        newly,
        conversation.manager_rated_at is not None,
        held,
        muted,
        limit,
    )


def _save_manager_ratings(
    session: Session,
    content: Content,
    conversation_id: int,
    workspace_id: int,
    manager_user_id: str,
    answers: dict[str, str | None],
    now: datetime,
) -> SavedRatings:
    conversation = _invited(session, conversation_id, workspace_id, manager_user_id)
    levels = _parse_levels(list(content.stage(conversation.stage).exit_criteria), answers)
    _store(conversation, Rater.MANAGER, levels)
    conversation.manager_rated_at = now
    session.flush()
    return SavedRatings(Rater.MANAGER, manager_user_id, False, conversation.self_rated_at is not None)


# -- the agenda ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    criterion: Criterion
    self_level: int
    manager_level: int
    evidence: list[str]
    """Wins for this criterion that this copy's reader may see (the report: all; the manager: shared)."""


@dataclass(frozen=True)
class Agenda:
    review_date: date
    stage_title: str
    report_user_id: str
    report_name: str
    manager_user_id: str
    items: list[AgendaItem]


def gaps(conversation: ReviewConversation) -> list[tuple[str, int, int]]:
    """``(criterion key, self level, manager level)`` where the two are ``AGENDA_GAP`` or more apart."""
    own = {r.criterion_key: r.level for r in conversation.ratings if r.rater == Rater.SELF}
    theirs = {r.criterion_key: r.level for r in conversation.ratings if r.rater == Rater.MANAGER}
    return [(key, own[key], theirs[key]) for key in own if key in theirs and abs(own[key] - theirs[key]) >= AGENDA_GAP]


def agenda_for(session: Session, content: Content, conversation_id: int, reader: str) -> Agenda | None:
    """The agenda as ``reader`` (a ``Rater``) may see it; None when there is nothing (or no one) to send to."""
    conversation = session.get(ReviewConversation, conversation_id)
    if conversation is None or conversation.self_rated_at is None or conversation.manager_rated_at is None:
        return None
    report = session.get(Member, conversation.member_id)
    manager_id = conversation.invited_manager_id
    if report is None or manager_id is None or report.manager_slack_user_id != manager_id:
        return None  # the report unlinked this manager since: no agenda reaches them, or names them
    found = gaps(conversation)
    if not found:
        return None
    keys = [key for key, _, _ in found]
    query = (
        select(BragEvidence.evidence_key, BragEntry.what)
        .join(BragEntry, BragEntry.id == BragEvidence.entry_id)
        .where(BragEntry.member_id == report.id, BragEvidence.evidence_key.in_(keys))
        .order_by(BragEntry.created_at.desc(), BragEntry.id.desc())
    )
    if reader != Rater.SELF:
        query = query.where(BragEntry.visibility.in_(SHARED_WITH_MANAGER))
    evidence: dict[str, list[str]] = {}
    for key, what in session.execute(query):
        evidence.setdefault(key, []).append(what)
    items = []
    for key, own, theirs in found:
        criterion = content.criterion(key)
        if criterion is not None:
            items.append(AgendaItem(criterion, own, theirs, evidence.get(key, [])[:MAX_EVIDENCE_PER_CRITERION]))
    return Agenda(
        review_date=conversation.review_date,
        stage_title=content.stage(conversation.stage).title,
        report_user_id=report.slack_user_id,
        report_name=report.display_name or "your report",
        manager_user_id=manager_id,
        items=items,
    )

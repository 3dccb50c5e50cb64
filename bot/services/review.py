"""Review prep: the review date, and the packet sent before it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, Member

# The brag document's heading for wins that are evidence for nothing; bot/blocks/review.py reads it from here.
from bot.services.brag_markdown import OTHER_WINS as OTHER_WINS
from bot.services.feedback import FeedbackQuestions, questions_for
from bot.services.localtime import local_today
from bot.services.progress import StageProgress, member_progress
from bot.services.stages import load_member
from content import Content

MAX_DAYS_AHEAD = 2 * 365
DEFAULT_LOOKBACK = timedelta(days=182)


class ReviewDateError(ValueError):
    pass


def set_review_date(member: Member, review_date: date, today: date) -> None:
    """Save the next review; a review date already passed becomes the last one (wins count from it)."""
    if review_date < today:
        raise ReviewDateError("That date has passed: pick the date of your next review.")
    if review_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ReviewDateError("That's more than two years away: pick a date within the next two years.")
    if member.review_date is not None and member.review_date < today:
        member.last_review_date = member.review_date
    member.review_date = review_date


@dataclass(frozen=True)
class ReviewDateForm:
    """What the review-date modal starts from: the saved date, and today where the member is."""

    current: date | None
    today: date


def review_date_form(db: Database, member_id: int, now: datetime) -> ReviewDateForm:
    with db.transaction() as session:
        member = load_member(session, member_id)
        return ReviewDateForm(member.review_date, local_today(member.timezone, now))


def save_review_date(db: Database, member_id: int, review_date: date, now: datetime) -> None:
    """:func:`set_review_date` for the member, checked against their own today; :class:`ReviewDateError` if refused."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        set_review_date(member, review_date, local_today(member.timezone, now))


@dataclass(frozen=True)
class ReviewPacket:
    review_date: date
    since: date
    wins_by_criterion: dict[str, list[str]]
    """Evidence label (exit criterion or tactic) → the wins that show it; "Other wins" for the rest."""
    wins_total: int
    progress: StageProgress | None
    questions: FeedbackQuestions


def review_packet(session: Session, content: Content, member: Member, today: date) -> ReviewPacket:
    assert member.review_date is not None
    # Counted back from the review, not from the day a packet is built: the 14-day and the 2-day packets
    # covered different windows when each counted from its own day (8 June vs 22 June, issue #22).
    since = member.last_review_date or (member.review_date - DEFAULT_LOOKBACK)
    since_at = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    entries = session.scalars(
        select(BragEntry)
        .where(BragEntry.member_id == member.id, BragEntry.created_at >= since_at)
        .order_by(BragEntry.created_at)
    ).all()
    grouped: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        labels = [content.evidence_label(key) for key in entry.evidence_keys]
        for label in [label for label in labels if label] or [OTHER_WINS]:
            grouped[label].append(entry.what)
    progress = member_progress(session, content, member.id, member.stage) if member.stage else None
    open_criteria = progress.open_criteria if progress else []
    return ReviewPacket(
        review_date=member.review_date,
        since=since,
        wins_by_criterion=dict(grouped),
        wins_total=len(entries),
        progress=progress,
        questions=questions_for(content, member.stage, open_criteria, member.review_date),
    )

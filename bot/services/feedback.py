"""Questions to take into a review or 1:1, tailored to the member's stage and open exit criteria."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.db.engine import Database
from bot.services.progress import member_progress
from bot.services.stages import load_member
from content import Content, Criterion, Stage

MAX_OWNERSHIP_QUESTIONS = 3
MAX_CRITERIA_QUESTIONS = 5


@dataclass(frozen=True)
class FeedbackQuestions:
    stage: Stage | None
    next_stage: Stage | None
    general: list[str]
    ownership: list[str]
    """What the next stage decides that the member may not own yet."""
    evidence: list[str]
    """Drawn from the member's exit criteria that have no evidence in their brag document."""
    review_date: date | None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def questions_for(
    content: Content, stage_number: int | None, open_criteria: list[Criterion], review_date: date | None = None
) -> FeedbackQuestions:
    stage = content.stage(stage_number) if stage_number else None
    following = content.next_stage(stage.number) if stage else None
    general = []
    for question in content.growth.feedback_questions:
        needs_stage = "{stage}" in question.text
        needs_next = "{next_stage}" in question.text
        if (needs_stage and stage is None) or (needs_next and following is None):
            continue
        general.append(
            question.text.format(stage=stage.title if stage else "", next_stage=following.title if following else "")
        )
    ownership = (
        [f"Should I already be deciding {_lower_first(item)}?" for item in following.decides[:MAX_OWNERSHIP_QUESTIONS]]
        if following
        else []
    )
    evidence = [
        f"What would show you that I can “{_lower_first(criterion.text)}”?"
        for criterion in open_criteria[:MAX_CRITERIA_QUESTIONS]
    ]
    return FeedbackQuestions(stage, following, general, ownership, evidence, review_date)


def member_questions(db: Database, content: Content, member_id: int) -> FeedbackQuestions:
    """:func:`questions_for` the member's stage, open exit criteria and review date."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        progress = member_progress(session, content, member.id, member.stage) if member.stage else None
        return questions_for(content, member.stage, progress.open_criteria if progress else [], member.review_date)

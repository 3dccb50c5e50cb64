"""Answers to the weekly wins prompt: nothing this week, later today, next week. Owner-checked."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import Member, NudgeDelivery, NudgeKind
from bot.db.types import parse_row_id
from bot.services.stages import load_member

SNOOZE_LATER_TODAY = timedelta(hours=3)
"""How long "Later today" puts the weekly prompt off."""


class PromptAnswer(enum.StrEnum):
    """The weekly prompt's buttons (and those of its "still want these?" check-in), as its ledger row keeps them."""

    NOTHING_THIS_WEEK = "nothing_this_week"
    SNOOZED_LATER_TODAY = "snoozed_later_today"
    SNOOZED_NEXT_WEEK = "snoozed_next_week"
    CHECKIN_KEEP = "checkin_keep"
    """Recorded, so the nag ceiling starts counting afresh."""
    CHECKIN_STOP = "checkin_stop"


WIN_RECORDED = "win_recorded"
"""The answer of a prompt a win came from (a reply in its thread, or its "Record a win" button)."""


class NotYourPrompt(PermissionError):
    """The acting member was not the prompt's recipient (or the prompt does not exist)."""


def parse_delivery_id(value: str | None) -> int | None:
    return parse_row_id(value)


def owned_prompt(session: Session, member: Member, delivery_id: int | None) -> NudgeDelivery:
    delivery = session.get(NudgeDelivery, delivery_id) if delivery_id is not None else None
    if (
        delivery is None
        or delivery.kind != NudgeKind.WEEKLY_PROMPT.value
        or delivery.member_id != member.id
        or delivery.recipient_id != member.slack_user_id
    ):
        raise NotYourPrompt(delivery_id)
    return delivery


@dataclass(frozen=True)
class PromptAnswered:
    """What the answer to a prompt shows: the member's prompt day, and when a snooze asks again."""

    answer: PromptAnswer
    weekday: int
    snoozed_until: datetime | None = None


def answer_prompt(
    db: Database, member_id: int, delivery_id: int | None, answer: PromptAnswer, now: datetime
) -> PromptAnswered:
    """Record the member's answer on their prompt's ledger row (the last answer wins); :class:`NotYourPrompt`
    when the prompt is not theirs. Later today asks again in three hours (the weekly planner turns
    ``prompt_snoozed_until`` into a re-prompt); the check-in's stop turns weekly prompts off (settings can
    turn them back on)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        delivery = owned_prompt(session, member, delivery_id)
        until: datetime | None = None
        if answer is PromptAnswer.SNOOZED_LATER_TODAY:
            until = member.prompt_snoozed_until = now + SNOOZE_LATER_TODAY
        elif answer is PromptAnswer.CHECKIN_STOP:
            member.weekly_prompt_enabled = False
        delivery.response = answer.value
        return PromptAnswered(answer, member.prompt_weekday, until)


def is_answered(delivery: NudgeDelivery) -> bool:
    """The convention on the ledger row: any answer but a snooze counts (see ``NudgeDelivery.answer``)."""
    snoozes = {PromptAnswer.SNOOZED_LATER_TODAY.value, PromptAnswer.SNOOZED_NEXT_WEEK.value}
    return delivery.answer is not None and delivery.answer not in snoozes


def prompt_in_thread(session: Session, member: Member, channel_id: str, thread_ts: str) -> NudgeDelivery | None:
    """The member's weekly prompt whose message started the thread ``thread_ts`` in their DM, if any."""
    return session.scalars(
        select(NudgeDelivery).where(
            NudgeDelivery.member_id == member.id,
            NudgeDelivery.kind == NudgeKind.WEEKLY_PROMPT.value,
            NudgeDelivery.recipient_id == member.slack_user_id,
            NudgeDelivery.message_ts == thread_ts,
        )
    ).first()


def mark_answered_with_win(delivery: NudgeDelivery) -> None:
    """A win came from this prompt: it counts as answered (no follow-ups for that week)."""
    delivery.answer = WIN_RECORDED

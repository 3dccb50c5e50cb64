"""Answers to the weekly wins prompt: nothing this week, later today, next week. Owner-checked."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeDelivery, NudgeKind
from bot.db.types import parse_row_id

SNOOZE_LATER_TODAY = timedelta(hours=3)
NOTHING_THIS_WEEK = "nothing_this_week"
SNOOZED_LATER_TODAY = "snoozed_later_today"
SNOOZED_NEXT_WEEK = "snoozed_next_week"
WIN_RECORDED = "win_recorded"
CHECKIN_KEEP = "checkin_keep"
CHECKIN_STOP = "checkin_stop"


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


def record_response(delivery: NudgeDelivery, response: str) -> None:
    """What the person answered (kept on the ledger row; the last answer wins)."""
    delivery.response = response


def snooze_later_today(member: Member, delivery: NudgeDelivery, now: datetime) -> datetime:
    """Ask again in three hours: the weekly planner turns ``prompt_snoozed_until`` into a re-prompt."""
    until = now + SNOOZE_LATER_TODAY
    member.prompt_snoozed_until = until
    record_response(delivery, SNOOZED_LATER_TODAY)
    return until


def is_answered(delivery: NudgeDelivery) -> bool:
    """The convention on the ledger row: any answer but a snooze counts (see ``NudgeDelivery.answer``)."""
    return delivery.answer is not None and delivery.answer not in {SNOOZED_LATER_TODAY, SNOOZED_NEXT_WEEK}


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


def keep_prompts(delivery: NudgeDelivery) -> None:
    """The "still want these?" check-in answered yes: recorded, so the nag ceiling starts counting afresh."""
    record_response(delivery, CHECKIN_KEEP)


def stop_prompts(member: Member, delivery: NudgeDelivery) -> None:
    """The check-in's one-tap opt-out: no more weekly prompts (settings can turn them back on)."""
    member.weekly_prompt_enabled = False
    record_response(delivery, CHECKIN_STOP)

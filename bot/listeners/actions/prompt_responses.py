"""Answers to the weekly wins prompt: nothing this week, later today, next week. Owner-checked.

("Record a win" opens the win modal; the brag-document listeners own that button.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from sqlalchemy.orm import Session

from bot.blocks.nudges import (
    not_yours_message,
    prompt_checkin_kept_message,
    prompt_checkin_stopped_message,
    prompt_later_message,
    prompt_next_week_message,
    prompt_nothing_message,
)
from bot.db.models import Member, NudgeDelivery
from bot.services import prompts, stages
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of

Answer = Callable[[Session, Member, NudgeDelivery, datetime], dict[str, Any]]


def _answer(action: dict[str, Any], respond: Respond, context: BoltContext, answer: Answer) -> None:
    deps = deps_of(context)
    member_id = acting_member_id(context)
    payload: dict[str, Any] | None = None
    with deps.db.transaction() as session:
        member = stages.load_member(session, member_id)
        try:
            delivery = prompts.owned_prompt(session, member, prompts.parse_delivery_id(action.get("value")))
        except prompts.NotYourPrompt:
            pass
        else:
            payload = answer(session, member, delivery, deps.clock())
    if payload is None:
        respond(response_type="ephemeral", replace_original=False, **not_yours_message())
    else:
        respond(replace_original=True, **payload)


def _nothing(session: Session, member: Member, delivery: NudgeDelivery, now: datetime) -> dict[str, Any]:
    prompts.record_response(delivery, prompts.NOTHING_THIS_WEEK)
    return prompt_nothing_message(member.prompt_weekday)


def _later(session: Session, member: Member, delivery: NudgeDelivery, now: datetime) -> dict[str, Any]:
    return prompt_later_message(prompts.snooze_later_today(member, delivery, now))


def _next_week(session: Session, member: Member, delivery: NudgeDelivery, now: datetime) -> dict[str, Any]:
    prompts.record_response(delivery, prompts.SNOOZED_NEXT_WEEK)
    return prompt_next_week_message(member.prompt_weekday)


def prompt_nothing_this_week(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _answer(action, respond, context, _nothing)


def prompt_snooze_later_today(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _answer(action, respond, context, _later)


def prompt_snooze_next_week(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _answer(action, respond, context, _next_week)


def _keep(session: Session, member: Member, delivery: NudgeDelivery, now: datetime) -> dict[str, Any]:
    prompts.keep_prompts(delivery)
    return prompt_checkin_kept_message(member.prompt_weekday)


def _stop(session: Session, member: Member, delivery: NudgeDelivery, now: datetime) -> dict[str, Any]:
    prompts.stop_prompts(member, delivery)
    return prompt_checkin_stopped_message()


def prompt_checkin_keep(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _answer(action, respond, context, _keep)


def prompt_checkin_stop(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _answer(action, respond, context, _stop)

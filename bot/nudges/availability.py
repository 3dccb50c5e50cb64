"""Personal nudges respect people's time at send time (``respecting_time`` wraps their renderers in their
``bot/nudges/kinds/`` modules; the rules are ``bot/services/availability.py``): away or paused, a weekly prompt
is skipped (``time off:``) and other kinds are held (``Defer``) until the first day back; outside working days or in
quiet hours, moved to the next allowed time; weekly prompts stop at the nag ceiling, and the first one after
time off opens with a welcome back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.blocks.nudges import prompt_checkin_message, welcome_back_block
from bot.db.models import DeliveryReason, DeliveryStatus
from bot.nudges.types import Context, Defer, DeliveryRow, Message, Renderer, Skip
from bot.services.availability import HELD, TIME_OFF, member_time, nag_decision


def respecting_time(render: Renderer, *, weekly: bool = False) -> Renderer:
    """``render`` behind the member's time off, pause, working days, quiet hours (and, ``weekly``, the ceiling)."""

    def wrapped(session: Session, ctx: Context, row: DeliveryRow, planned: Any) -> Message | Skip | Defer:
        earlier = (row.kind, row.due_at, row.id) if weekly else None
        found = member_time(session, row.member_id, earlier) if row.member_id is not None else None
        if found is None:
            return render(session, ctx, row, planned)
        member, past = found
        hold = member.hold(ctx.now)
        if hold is not None:
            if weekly:
                return Skip(f"{TIME_OFF}: {hold[0]}", DeliveryReason.TIME_OFF)
            state = DeliveryReason.PAUSED if hold[0] == "paused" else DeliveryReason.AWAY
            return Defer(member.resume_at(hold[1], row.due_at, ctx.now), f"{HELD}: {hold[0]}", state)
        allowed = member.next_allowed(ctx.now)
        if allowed > ctx.now:
            return Defer(allowed, f"{HELD}: outside working days or quiet hours", DeliveryReason.QUIET)
        if not weekly:
            return render(session, ctx, row, planned)
        decision = nag_decision(past, member.last_seen_at)
        if decision == "silent":
            return Skip("nag ceiling: check-in unanswered; silent until the member is back")
        if decision == "check_in":
            payload = prompt_checkin_message(delivery_id=row.id)
            return Message(text=payload["text"], blocks=payload["blocks"])
        rendered = render(session, ctx, row, planned)
        welcome_back = past and past[0].status == DeliveryStatus.SKIPPED and past[0].reason == DeliveryReason.TIME_OFF
        if isinstance(rendered, Message) and welcome_back:
            return Message(text=f"Welcome back! {rendered.text}", blocks=[welcome_back_block(), *rendered.blocks])
        return rendered

    return wrapped

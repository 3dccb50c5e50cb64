"""Found this week's message: reads the week from GitHub (one query), offers what is new, or waits.

The source call happens here, when the row is claimed, so the week's finding is spread over the prompt times
of the members (their own days, times and zones) and bounded by the send workers. A rate limit never sleeps a
worker: the row is deferred to when GitHub said (``Defer``) and the account's ``wait_until`` keeps every
other call with that token away until then.

The renderer runs inside the claim's transaction (``bot/nudges/delivery.py``): on PostgreSQL that holds one row
lock, and the send workers query GitHub in parallel; on SQLite it holds the database's single write lock for
the query's duration (measured with ``bench/github_find.py``: the week's queries then go one at a time).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.blocks.github import found_message, revoked_message
from bot.nudges.planners.found_this_week import Payload
from bot.nudges.types import Context, Defer, DeliveryRow, Message, Skip, read_payload
from bot.services import found
from bot.services.found import FindOutcome

UNAVAILABLE_RETRY = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=1)
"""GitHub down for a day: this week's message is skipped; the items are found again by next week's window
only if they fall in it, or by ``/coach github find``."""


def render(session: Session, ctx: Context, row: DeliveryRow) -> Message | Skip | Defer:
    planned = read_payload(Payload, row.payload)
    if planned is None or row.member_id is None:
        return Skip(f"unreadable payload {dict(row.payload)!r}")
    offer = found.find_and_offer(
        session,
        ctx.settings,
        ctx.content,
        row.member_id,
        row.period_key,
        row.due_at - found.WINDOW,
        row.due_at,
        ctx.now,
    )
    if offer.outcome is FindOutcome.OFFERED:
        payload = found_message(ctx.content, offer.items)
        return Message(text=payload["text"], blocks=payload["blocks"])
    if offer.outcome is FindOutcome.REVOKED:
        payload = revoked_message(offer.login)
        return Message(text=payload["text"], blocks=payload["blocks"])
    if offer.outcome is FindOutcome.WAIT and offer.until is not None:
        return Defer(offer.until, "GitHub rate limit")
    if offer.outcome is FindOutcome.UNAVAILABLE and ctx.now - row.due_at < GIVE_UP_AFTER:
        return Defer(ctx.now + UNAVAILABLE_RETRY, "GitHub unavailable")
    return Skip(f"found this week: {offer.outcome.value}")

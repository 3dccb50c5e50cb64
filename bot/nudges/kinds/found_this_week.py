"""Found this week: once a week, what the member merged, reviewed and closed on GitHub, offered to save or skip.

Due :data:`AFTER_PROMPT` after the member's weekly prompt time (the same day and time settings), so it arrives
just below the prompt in their DM. Only for members with a connected account, and from the first prompt time
after they connected. Period key: the ISO week of the prompt's local date (``2026-W47``), like the prompt's.

It is a message of its own in the DM rather than a reply in the prompt's thread: the ledger reconciles an
uncertain send against the DM's history (``conversations.history``), which does not list thread replies, so a
threaded message could be posted twice after a crash.

At send time the renderer reads the week from GitHub (one query), offers what is new, or waits.

The source call happens here, when the row is claimed, so the week's finding is spread over the prompt times
of the members (their own days, times and zones) and bounded by the send workers. A rate limit never sleeps a
worker: the row is deferred to when GitHub said (``Defer``) and the account's ``wait_until`` keeps every
other call with that token away until then.

The renderer runs inside the claim's transaction (``bot/nudges/delivery.py``): on PostgreSQL that holds one row
lock, and the send workers query GitHub in parallel; on SQLite it holds the database's single write lock for
the query's duration (measured with ``bench/github_find.py``: the week's queries then go one at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.blocks.github import found_message, revoked_message
from bot.db.models import ConnectedAccount, Member, NudgeKind
from bot.nudges.availability import respecting_time
from bot.nudges.kinds import MEMBER_AND_ZONE, installed_members
from bot.nudges.timing import latest_weekly_occurrence
from bot.nudges.types import Context, Defer, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services import found
from bot.services.found import FindOutcome
from bot.services.localtime import zone

KIND = NudgeKind.FOUND_THIS_WEEK.value
GRACE = timedelta(days=1)
"""Found items keep (they are offered whenever the message goes); a day late is still "this week"."""
AFTER_PROMPT = timedelta(minutes=5)


@dataclass(frozen=True)
class Payload:
    source: str


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    rows = session.execute(
        installed_members(
            *MEMBER_AND_ZONE,
            Member.prompt_weekday,
            Member.prompt_minute,
            ConnectedAccount.source,
            ConnectedAccount.connected_at,
        )
        .join(ConnectedAccount, ConnectedAccount.member_id == Member.id)
        .where(Member.delivery_blocked_at.is_(None))
    )
    planned: list[PlannedNudge] = []
    for member_id, workspace_id, user_id, tz_name, weekday, minute, source, connected_at in rows:
        occurrence = latest_weekly_occurrence(ctx.now - AFTER_PROMPT, zone(tz_name), weekday, minute)
        due_at = occurrence.due_at + AFTER_PROMPT
        if occurrence.due_at < connected_at or due_at > ctx.now:
            continue
        key = f"{source}-{occurrence.week_key}"
        planned.append(PlannedNudge(workspace_id, member_id, user_id, key, due_at, Payload(source)))
    return planned


UNAVAILABLE_RETRY = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=1)
"""GitHub down for a day: this week's message is skipped; the items are found again by next week's window
only if they fall in it, or by ``/coach github find``."""


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip | Defer:
    if row.member_id is None:
        return Skip("member gone")
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


TYPE = NudgeType(KIND, plan, respecting_time(render), GRACE, priority=70, payload=Payload)

"""Found this week: once a week, what the member merged, reviewed and closed on GitHub, offered to save or skip.

Due :data:`AFTER_PROMPT` after the member's weekly prompt time (the same day and time settings). Only for
members with a connected account, and from the first prompt time after they connected. Period key: the source
and the ISO week of the prompt's local date (``github-2026-W47``); the week's part is the prompt's own key.

It is one short message in the thread of that week's prompt (its ledger row holds the DM's channel and the
message's ts): the week's wins and what was found for them sit together, and the DM's top level stays one
message a week. When the prompt was not sent (turned off, paused or away, blocked, skipped: its row is
finished unsent, or there is none) it is a message of its own; while the prompt's row is still due or sending
it waits for it, up to :data:`PROMPT_WAIT`, then goes on its own too. An uncertain send is reconciled in that
thread (``thread_of``: ``conversations.replies``) and then in the DM's history, so a crash never posts it twice.

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.github import found_message, revoked_message
from bot.db.models import ConnectedAccount, DeliveryStatus, Member, NudgeDelivery, NudgeKind
from bot.nudges.availability import respecting_time
from bot.nudges.kinds import MEMBER_AND_ZONE, installed_members
from bot.nudges.timing import latest_weekly_occurrence
from bot.nudges.types import Context, Defer, DeliveryRow, Message, NudgeType, PlannedNudge, Skip, Thread
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


PROMPT_WAIT = timedelta(hours=1)
"""How long the message waits for a prompt still due or sending (a 429 burst, a retry after a 5xx: minutes)
before it goes on its own; a prompt held longer (quiet hours) holds this message as well, through
``respecting_time``."""
PROMPT_RETRY = timedelta(minutes=1)


def _prompt(session: Session, row: DeliveryRow, planned: Payload) -> tuple[DeliveryStatus, str | None, str | None]:
    """That week's weekly prompt row for the recipient: its status, DM channel and message ts (one lookup on the
    ledger's unique key)."""
    found = session.execute(
        select(NudgeDelivery.status, NudgeDelivery.channel_id, NudgeDelivery.message_ts).where(
            NudgeDelivery.workspace_id == row.workspace_id,
            NudgeDelivery.kind == NudgeKind.WEEKLY_PROMPT.value,
            NudgeDelivery.recipient_id == row.recipient_id,
            NudgeDelivery.period_key == row.period_key.removeprefix(f"{planned.source}-"),
        )
    ).one_or_none()
    return (DeliveryStatus.SKIPPED, None, None) if found is None else (found[0], found[1], found[2])


def _thread(status: DeliveryStatus, channel_id: str | None, ts: str | None) -> Thread | None:
    return Thread(channel_id, ts) if status == DeliveryStatus.SENT and channel_id and ts else None


def thread_of(session: Session, row: DeliveryRow) -> Thread | None:
    """The sent prompt's thread, where this message is posted (and looked for when a send was uncertain)."""
    planned = TYPE.decode(row)
    return _thread(*_prompt(session, row, planned)) if isinstance(planned, Payload) else None


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip | Defer:
    if row.member_id is None:
        return Skip("member gone")
    prompt = _prompt(session, row, planned)
    if prompt[0] in (DeliveryStatus.DUE, DeliveryStatus.SENDING) and ctx.now < row.due_at + PROMPT_WAIT:
        return Defer(ctx.now + PROMPT_RETRY, "waiting for the weekly prompt, to reply in its thread")
    thread = _thread(*prompt)
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
        return Message(text=payload["text"], blocks=payload["blocks"], thread=thread)
    if offer.outcome is FindOutcome.REVOKED:
        payload = revoked_message(offer.login)
        return Message(text=payload["text"], blocks=payload["blocks"], thread=thread)
    if offer.outcome is FindOutcome.WAIT and offer.until is not None:
        return Defer(offer.until, "GitHub rate limit")
    if offer.outcome is FindOutcome.UNAVAILABLE and ctx.now - row.due_at < GIVE_UP_AFTER:
        return Defer(ctx.now + UNAVAILABLE_RETRY, "GitHub unavailable")
    return Skip(f"found this week: {offer.outcome.value}")


TYPE = NudgeType(KIND, plan, respecting_time(render), GRACE, priority=70, payload=Payload, thread_of=thread_of)

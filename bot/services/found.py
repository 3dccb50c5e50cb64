"""Evidence found for you: connect a source account, find the member's own work there, offer it, save or skip.

Nothing counts until confirmed: a found item is a :class:`FoundItem` (never a win) until the member taps
"Save as win", which makes an ordinary win with the link and their role; "Skip" hides it for good. Each item
is stored once per (member, source, item key) — the database's unique key, so two runs or two replicas
finding the same week store it once — and offered in exactly one message (a conditional UPDATE from ``new``
to ``offered`` decides which).

A token the source refuses (401) disconnects the account: its row goes, and the member gets one line saying
so. Connecting and the tokens: :mod:`bot.services.found_accounts`; export and deletion:
:mod:`bot.services.found_data` (their names stay importable from here).

A source call happens outside any "wait": when it asks us to (rate limit, Retry-After) the account's
``wait_until`` is stored and nothing calls with that token before it; the weekly nudge is deferred to then.
"""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import EntrySource, FoundItem, FoundRole, FoundStatus, Member, Visibility
from bot.services import brag
from bot.services.capture import Card
from bot.services.entries import pending, pending_keys
from bot.services.evidence import suggest_evidence
from bot.services.found_accounts import STATE_LIFETIME as STATE_LIFETIME
from bot.services.found_accounts import Connected as Connected
from bot.services.found_accounts import ConnectOutcome as ConnectOutcome
from bot.services.found_accounts import Status as Status
from bot.services.found_accounts import account_of, identity_of, source_for
from bot.services.found_accounts import complete_connect as complete_connect
from bot.services.found_accounts import disconnect as disconnect
from bot.services.found_accounts import start_connect as start_connect
from bot.services.found_accounts import status as status
from bot.services.found_data import delete_for_members as delete_for_members
from bot.services.found_data import export_rows as export_rows
from bot.services.found_data import forget_tokens as forget_tokens
from bot.services.sources import Activity, SourceRateLimited, SourceUnauthorized, SourceUnavailable
from bot.settings import Settings
from content import Content

log = logging.getLogger(__name__)

WINDOW = timedelta(days=7)
""""Found this week": the member's actions in the 7 days before the weekly message (or before "find now")."""
MAX_OFFERED = 10
"""Items one message offers (2 blocks each, plus 2 context blocks: 22 of Slack's 50 per message); the rest stay
new, unshown, for the next message."""
TITLE_LIMIT = 300


# -- finding and offering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferedItem(Activity):
    """A stored activity as one message offers it."""

    id: int
    suggested: list[str]
    """Evidence keys the ranker is confident of (none when it abstained)."""


class FindOutcome(enum.StrEnum):
    OFFERED = "offered"
    NOTHING = "nothing"
    """The source answered; nothing new to offer."""
    WAIT = "wait"
    """The source asked us to wait (``until``); nothing was read."""
    REVOKED = "revoked"
    """The source refused the token: the account is disconnected (``login``)."""
    UNAVAILABLE = "unavailable"
    NOT_CONNECTED = "not_connected"
    OFF = "off"


@dataclass(frozen=True)
class Offer:
    outcome: FindOutcome
    items: list[OfferedItem] = field(default_factory=list)
    until: datetime | None = None
    login: str | None = None


def _what(role: FoundRole, title: str, repository: str, private: bool) -> str:
    """The win's text. A private repository is not named in it: the win may later be shared."""
    where = "" if private or not repository else f" in {repository}"
    if role is FoundRole.AUTHORED:
        return f"Shipped {title}{where} (my pull request, merged)"
    if role is FoundRole.REVIEWED:
        return f"Reviewed {title}{where} (a code review of a colleague's pull request)"
    return f"Closed the issue {title}{where}"


def _suggest(content: Content, activity: Activity, stage: int | None) -> list[str]:
    """The ranker's confident criterion, from the title alone: the words around it ("my pull request, merged")
    are ours and the same on every item (with them every Stage 1 PR "looked like" quick approvals). A review gets
    none: the title describes the author's work, not what reviewing it showed."""
    if activity.role is FoundRole.REVIEWED:
        return []
    return suggest_evidence(content, activity.title, stage)


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    keys = ["member_id", "source", "item_key"]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(FoundItem).values(rows).on_conflict_do_nothing(index_elements=keys))
    else:
        session.execute(sqlite.insert(FoundItem).values(rows).on_conflict_do_nothing(index_elements=keys))


def _store(
    session: Session, content: Content, member: Member, source: str, activities: Sequence[Activity], now: datetime
) -> None:
    rows = [
        {
            "member_id": member.id,
            "source": source,
            "item_key": activity.key[:200],
            "role": activity.role.value,
            "title": activity.title[:TITLE_LIMIT],
            "url": activity.url[:1000],
            "repository": activity.repository[:200],
            "private": activity.private,
            "acted_at": activity.acted_at,
            "suggested_evidence": pending(_suggest(content, activity, member.stage), ()),
            "status": FoundStatus.NEW.value,
            "found_at": now,
        }
        for activity in activities
        if activity.url.startswith(("https://", "http://"))
    ]
    _insert_ignoring_duplicates(session, rows)


def _view(item: FoundItem) -> OfferedItem:
    return OfferedItem(
        item.item_key,
        item.role,
        item.title,
        item.url,
        item.repository,
        item.private,
        item.acted_at,
        item.id,
        pending_keys(item.suggested_evidence),
    )


def _offered_in(session: Session, member_id: int, offer_key: str) -> list[OfferedItem]:
    items = session.scalars(
        select(FoundItem)
        .where(
            FoundItem.member_id == member_id,
            FoundItem.offered_in == offer_key,
            FoundItem.status == FoundStatus.OFFERED,
        )
        .order_by(FoundItem.acted_at, FoundItem.id)
    )
    return [_view(item) for item in items]


def _take_new(session: Session, member_id: int, offer_key: str) -> list[OfferedItem]:
    """Move up to :data:`MAX_OFFERED` new items into this message; a row another message took is not shown here."""
    candidates = list(
        session.scalars(
            select(FoundItem.id)
            .where(FoundItem.member_id == member_id, FoundItem.status == FoundStatus.NEW)
            .order_by(FoundItem.acted_at, FoundItem.id)
            .limit(MAX_OFFERED)
        )
    )
    already = _offered_in(session, member_id, offer_key)
    room = max(0, MAX_OFFERED - len(already))
    if candidates and room:
        session.execute(
            update(FoundItem)
            .where(FoundItem.id.in_(candidates[:room]), FoundItem.status == FoundStatus.NEW)
            .values(status=FoundStatus.OFFERED, offered_in=offer_key)
            .execution_options(synchronize_session=False)
        )
    return _offered_in(session, member_id, offer_key)


def find_and_offer(
    session: Session,
    settings: Settings,
    content: Content,
    member_id: int,
    offer_key: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Offer:
    """Read the member's actions in ``[start, end)`` from the source, store what is new, offer it under
    ``offer_key`` (a retried weekly message shows the same items again, never another message's)."""
    source = source_for(settings)
    if source is None:
        return Offer(FindOutcome.OFF)
    member = session.get(Member, member_id)
    account = account_of(session, member_id, source.name) if member is not None else None
    if member is None or account is None:
        return Offer(FindOutcome.NOT_CONNECTED)
    if account.wait_until is not None and account.wait_until > now:
        return Offer(FindOutcome.WAIT, until=account.wait_until)
    identity = identity_of(settings, account)
    if identity is None:
        session.delete(account)
        return Offer(FindOutcome.REVOKED, login=account.login)
    try:
        found = source.find(identity, start, end, now)
    except SourceUnauthorized:
        log.info(
            "token refused by the source: account disconnected", extra={"source": source.name, "member": member_id}
        )
        login = account.login
        session.delete(account)
        return Offer(FindOutcome.REVOKED, login=login)
    except SourceRateLimited as limited:
        account.wait_until = limited.until
        log.info("source rate limit: waiting", extra={"source": source.name, "until": limited.until.isoformat()})
        return Offer(FindOutcome.WAIT, until=limited.until)
    except SourceUnavailable:
        log.warning("source unavailable", extra={"source": source.name, "member": member_id}, exc_info=True)
        return Offer(FindOutcome.UNAVAILABLE)
    account.wait_until = found.wait_until
    if found.login and found.login != account.login:
        # Renamed on the source: the same account (its id), shown by its new name from now on.
        account.login = found.login[:100]
    _store(session, content, member, source.name, found.activities, now)
    items = _take_new(session, member_id, offer_key)
    return Offer(FindOutcome.OFFERED if items else FindOutcome.NOTHING, items)


def find_now(db: Database, settings: Settings, content: Content, member_id: int, now: datetime) -> Offer:
    """``/coach github find``: the last 7 days, offered in one message of its own."""
    # Each "find now" is a message of its own: two in the same second must not show the same items.
    key = f"now-{int(now.timestamp())}-{secrets.token_hex(4)}"
    with db.transaction() as session:
        return find_and_offer(session, settings, content, member_id, key, now - WINDOW, now, now)


# -- deciding ----------------------------------------------------------------------------------------------


class NotYourItem(PermissionError):
    pass


@dataclass(frozen=True)
class Decision:
    saved: Card | None
    """The saved win's card (Save as win, first tap only)."""
    remaining: list[OfferedItem]
    """What the same message still offers."""
    changed: bool
    """False for a second tap (another replica, a double click): nothing happened."""


def decide(db: Database, content: Content, member_id: int, item_id: int | None, save: bool, now: datetime) -> Decision:
    with db.transaction() as session:
        item = session.get(FoundItem, item_id) if item_id is not None else None
        if item is None or item.member_id != member_id:
            raise NotYourItem
        target = FoundStatus.SAVED if save else FoundStatus.SKIPPED
        claimed = session.execute(
            update(FoundItem)
            .where(FoundItem.id == item.id, FoundItem.status.in_([FoundStatus.OFFERED, FoundStatus.NEW]))
            .values(status=target, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        changed = getattr(claimed, "rowcount", 0) == 1
        card = None
        if changed and save:
            member = session.get(Member, member_id)
            assert member is not None
            entry = brag.create_entry(
                session,
                content,
                member,
                brag.WinInput(
                    _what(item.role, item.title, item.repository, item.private),
                    link=item.url,
                    # A private repository's work stays private until the member chooses to share it.
                    visibility=Visibility.PRIVATE if item.private else None,
                ),
                now=now,
                source=EntrySource.FOUND,
                suggested_keys=pending_keys(item.suggested_evidence),
            )
            session.execute(
                update(FoundItem)
                .where(FoundItem.id == item.id)
                .values(entry_id=entry.id)
                .execution_options(synchronize_session=False)
            )
            card = Card([brag.summarize(content, entry)], member.stage, brag.audience_of(session, member))
        remaining = _offered_in(session, member_id, item.offered_in) if item.offered_in else []
        return Decision(card, remaining, changed)

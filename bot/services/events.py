"""Events API deliveries already handled: Slack retries an event it thinks we missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import ProcessedEvent

PROCESSED_EVENT_RETENTION = timedelta(days=2)


def claim_event(session: Session, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen; False for a retry of it."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, received_at=now))
    except IntegrityError:
        return False
    return True


def first_delivery(db: Database, event_id: str, now: datetime) -> bool:
    """:func:`claim_event` in a transaction of its own."""
    with db.transaction() as session:
        return claim_event(session, event_id, now)


def forget_old_events(db: Database, now: datetime) -> int:
    """Event ids older than Slack's retry window need not be kept."""
    with db.transaction() as session:
        old = delete(ProcessedEvent).where(ProcessedEvent.received_at < now - PROCESSED_EVENT_RETENTION)
        return int(getattr(session.execute(old), "rowcount", 0) or 0)

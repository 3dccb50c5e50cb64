"""Nudges held while a member is away or paused, released when they are back (``/coach resume``, a
cleared away status). The ledger marks a held row by its ``last_error`` prefix."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db.models import DeliveryStatus, NudgeDelivery
from bot.services.growth import zone_of

HELD = "held"
"""Prefix of a held row's ``last_error``."""


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(zone_of(timezone)).date()


def release_held(session: Session, member_ids: Iterable[int], now: datetime) -> int:
    """Held rows of these members become due now (they resumed, or their away status cleared)."""
    ids = list(member_ids)
    if not ids:
        return 0
    result = session.execute(
        update(NudgeDelivery)
        .where(
            NudgeDelivery.member_id.in_(ids),
            NudgeDelivery.status == DeliveryStatus.DUE,
            NudgeDelivery.last_error.startswith(f"{HELD}:"),
            NudgeDelivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)

"""The member the service tests act as (the ``me`` fixture in tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.db.models import Member
from bot.services.members import enroll

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def me(session: Session) -> Member:
    """U1 of workspace T1, enrolled at ``NOW``."""
    return enroll(session, "T1", "U1", NOW)

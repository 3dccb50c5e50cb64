"""Rows the service tests start from: the member they act as (the ``me`` fixture in tests/conftest.py), ledger rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeDelivery
from bot.services.members import enroll

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def me(session: Session) -> Member:
    """U1 of workspace T1, enrolled at ``NOW``."""
    return enroll(session, "T1", "U1", NOW)


def delivery(member: Member, recipient: str, period: str, workspace_id: int | None = None) -> NudgeDelivery:
    """A weekly-prompt ledger row about ``member`` for ``recipient``, due at ``NOW``."""
    return NudgeDelivery(
        workspace_id=workspace_id or member.workspace_id,
        member_id=member.id,
        kind="weekly_prompt",
        recipient_id=recipient,
        period_key=period,
        due_at=NOW,
        next_attempt_at=NOW,
        created_at=NOW,
    )

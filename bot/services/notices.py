"""Messages to one person because of what another did: at most one a day per (kind, actor, recipient).

Naming a manager, announcing a digest channel and telling reports where the digest went each message
someone who never asked for it. Flipping ``/coach manager @V``/``@W`` 30 times sent V 15 DMs and
``/coach digest #general`` 30 times posted 30 announcements (issue 24); with :func:`claim` each such
message goes out the first time in a UTC day and the actor is told when one is held back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import NoticeSent

MANAGER_NAMED = "manager_named"
DIGEST_ANNOUNCED = "digest_announced"
DIGEST_MOVED = "digest_moved"
RATING_INVITED = "rating_invited"


def claim(session: Session, *, workspace_id: int, kind: str, actor: str, recipient: str, now: datetime) -> bool:
    """True the first time today (UTC) ``actor`` causes a ``kind`` message to ``recipient``; then False."""
    try:
        with session.begin_nested():
            session.add(
                NoticeSent(
                    workspace_id=workspace_id,
                    kind=kind,
                    actor_user_id=actor,
                    recipient_id=recipient,
                    day=now.astimezone(UTC).date(),
                )
            )
    except IntegrityError:
        return False
    return True

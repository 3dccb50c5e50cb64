"""Messages to one person because of what another did: consent and a daily limit.

Naming a manager, inviting them to rate, announcing a digest channel and telling reports where the digest
went each message someone who never asked for it. Flipping ``/coach manager @V``/``@W`` 30 times sent V 15
DMs and ``/coach digest #general`` 30 times posted 30 announcements (issue 24). Now:

- :func:`decide` lets such a message go out the first time in a UTC day per (kind, actor, recipient), and
  never once the recipient muted the actor (:func:`mute`, the button under each such DM);
- the caller tells the actor when one was held back, and why.

Naming a manager sends nothing at once: the rows :func:`decide` records for ``manager_named`` are what the
``manager_named`` nudge kind (``bot/nudges/kinds/manager_named.py``) lists in ONE message to that manager
the next morning (issue 22: a manager of eight got eight DMs in a day).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import Member, NoticeMute, NoticeSent

MANAGER_NAMED = "manager_named"
DIGEST_ANNOUNCED = "digest_announced"
DIGEST_MOVED = "digest_moved"
RATING_INVITED = "rating_invited"


class Notice(enum.StrEnum):
    SEND = "send"
    HELD_TODAY = "held_today"
    """Already sent today: the daily limit."""
    MUTED = "muted"
    """The recipient asked for no messages about the actor."""
    ACTOR_LIMIT = "actor_limit"
    """The actor already caused this kind of message to ``ACTOR_DAILY_LIMIT`` people today."""


ACTOR_DAILY_LIMIT = 3
"""People one actor may have the bot message a day, per kind with one recipient per action (naming a manager,
inviting one to rate). A person has one manager; three covers a correction and a change of team, and
flipping ``/coach manager`` across 30 people no longer reaches 30 people (issue 24: rate limits per actor
as well as per recipient). Digest changes are not capped: they reach every report at once, by design."""
ACTOR_CAPPED = frozenset({"manager_named", "rating_invited"})


def muted(session: Session, *, workspace_id: int, recipient: str, about: str) -> bool:
    return (
        session.scalar(
            select(NoticeMute.id).where(
                NoticeMute.workspace_id == workspace_id,
                NoticeMute.recipient_user_id == recipient,
                NoticeMute.about_user_id == about,
            )
        )
        is not None
    )


def decide(session: Session, *, workspace_id: int, kind: str, actor: str, recipient: str, now: datetime) -> Notice:
    """Whether a ``kind`` message caused by ``actor`` may go to ``recipient`` now (recorded when it may)."""
    if muted(session, workspace_id=workspace_id, recipient=recipient, about=actor):
        return Notice.MUTED
    day = now.astimezone(UTC).date()
    if kind in ACTOR_CAPPED:
        sent = session.scalars(
            select(NoticeSent.recipient_id).where(
                NoticeSent.workspace_id == workspace_id,
                NoticeSent.kind == kind,
                NoticeSent.actor_user_id == actor,
                NoticeSent.day == day,
            )
        ).all()
        if recipient in sent:
            return Notice.HELD_TODAY
        if len(sent) >= ACTOR_DAILY_LIMIT:
            return Notice.ACTOR_LIMIT
    try:
        with session.begin_nested():
            session.add(
                NoticeSent(
                    workspace_id=workspace_id,
                    kind=kind,
                    actor_user_id=actor,
                    recipient_id=recipient,
                    day=day,
                )
            )
    except IntegrityError:
        return Notice.HELD_TODAY
    return Notice.SEND


def claim(session: Session, *, workspace_id: int, kind: str, actor: str, recipient: str, now: datetime) -> bool:
    """:func:`decide` as a yes or no."""
    return decide(session, workspace_id=workspace_id, kind=kind, actor=actor, recipient=recipient, now=now) == (
        Notice.SEND
    )


def mute(db: Database, member_id: int, about_user_id: str, now: datetime) -> bool:
    """The member asks for no more messages caused by ``about_user_id``; False if they already had."""
    with db.transaction() as session:
        member = session.get(Member, member_id)
        if member is None or about_user_id == member.slack_user_id:
            return False
        try:
            with session.begin_nested():
                session.add(
                    NoticeMute(
                        workspace_id=member.workspace_id,
                        recipient_user_id=member.slack_user_id,
                        about_user_id=about_user_id,
                        muted_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

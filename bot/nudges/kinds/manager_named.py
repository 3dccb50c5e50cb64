"""One message a day to a manager listing everyone who named them (issues 22 and 24).

``/coach manager @M`` no longer DMs M at once: a manager of eight got eight "X named you as their manager"
DMs in a day. ``notices.decide`` still records each allowed naming in ``notices_sent`` (per actor, recipient
and UTC day; the per-actor limit of 3 and the mutes unchanged); this kind turns one UTC day's rows for M into
ONE ledger row, period ``named-<UTC day>``, due at 09:00 on the next day in M's time zone (M's own working
days, quiet hours and time off apply when M is a member too; UTC when M is not). The ledger's unique
(workspace, kind, recipient, period) key makes it exactly-once across replicas and restarts.

Who is listed is decided at send time: a report who un-named M since, or whom M muted, is left out (and
the row is skipped when nobody is left).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.manager import manager_named_message
from bot.db.models import Member, NoticeSent, Workspace
from bot.nudges.availability import respecting_time
from bot.nudges.types import Context, DeliveryRow, Message, NudgeType, PlannedNudge, Skip
from bot.services import notices
from bot.services.localtime import zone

KIND = notices.MANAGER_NAMED
GRACE = timedelta(days=2)
"""A day's message not sent within 2 days of its 09:00 (the bot was down) is dropped: by then the manager
has seen the reports on Home and in Monday's DM."""
SEND_AT = time(9, 0)
"""Local time of the manager's day at which the previous UTC day's namings are sent: the start of a
working day, so the message is not the last thing they see at night."""


def period_key(day: date) -> str:
    return f"named-{day.isoformat()}"


def due_at(day: date, timezone: str | None) -> datetime:
    """09:00 on the day after ``day`` in the manager's zone (UTC when they are not a member)."""
    return datetime.combine(day + timedelta(days=1), SEND_AT, tzinfo=zone(timezone or "UTC"))


@dataclass(frozen=True)
class Payload:
    day: str
    """The UTC day (ISO) whose namings this message lists."""


def plan(session: Session, ctx: Context) -> list[PlannedNudge]:
    # A day's row is due on the next day at 09:00 somewhere between UTC-12 and UTC+14, and planned until
    # GRACE after: the days from 4 back cover both.
    since = (ctx.now - GRACE - timedelta(days=2)).date()
    # The manager's member row, if any, for their zone (and the ledger row's member): one outer join, not a
    # lookup per manager every minute.
    rows = session.execute(
        select(NoticeSent.workspace_id, NoticeSent.recipient_id, NoticeSent.day, Member.id, Member.timezone)
        .join(Workspace, Workspace.id == NoticeSent.workspace_id)
        .outerjoin(
            Member,
            (Member.workspace_id == NoticeSent.workspace_id) & (Member.slack_user_id == NoticeSent.recipient_id),
        )
        .where(
            Workspace.uninstalled_at.is_(None),
            NoticeSent.kind == KIND,
            NoticeSent.day >= since,
        )
        .distinct()
    ).all()
    planned = []
    for workspace_id, recipient, day, manager_id, timezone in rows:
        due = due_at(day, timezone)
        if due > ctx.now:
            continue
        payload = Payload(day.isoformat())
        planned.append(PlannedNudge(workspace_id, manager_id, recipient, period_key(day), due, payload))
    return planned


def render(session: Session, ctx: Context, row: DeliveryRow, planned: Payload) -> Message | Skip:
    actors = session.scalars(
        select(NoticeSent.actor_user_id)
        .where(
            NoticeSent.workspace_id == row.workspace_id,
            NoticeSent.kind == KIND,
            NoticeSent.recipient_id == row.recipient_id,
            NoticeSent.day == date.fromisoformat(planned.day),
        )
        .order_by(NoticeSent.id)
    ).all()
    still_naming: dict[str, str | None] = {
        user: name
        for user, name in session.execute(
            select(Member.slack_user_id, Member.display_name).where(
                Member.workspace_id == row.workspace_id,
                Member.slack_user_id.in_(actors),
                Member.manager_slack_user_id == row.recipient_id,
            )
        )
    }
    reports = [
        actor
        for actor in actors
        if actor in still_naming
        and not notices.muted(session, workspace_id=row.workspace_id, recipient=row.recipient_id, about=actor)
    ]
    if not reports:
        return Skip("nobody who named this manager that day still does (or they were muted)")
    payload = manager_named_message(reports, {user: still_naming[user] for user in reports})
    return Message(text=payload["text"], blocks=payload["blocks"])


TYPE = NudgeType(KIND, plan, respecting_time(render), GRACE, priority=50, payload=Payload)

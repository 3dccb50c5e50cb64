"""Found this week: once a week, what the member merged, reviewed and closed on GitHub, offered to save or skip.

Due :data:`AFTER_PROMPT` after the member's weekly prompt time (the same day and time settings), so it arrives
just below the prompt in their DM. Only for members with a connected account, and from the first prompt time
after they connected. Period key: the ISO week of the prompt's local date (``2026-W47``), like the prompt's.

It is a message of its own in the DM rather than a reply in the prompt's thread: the ledger reconciles an
uncertain send against the DM's history (``conversations.history``), which does not list thread replies, so a
threaded message could be posted twice after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.db.models import ConnectedAccount, Member, NudgeKind
from bot.nudges.planners import MEMBER_AND_ZONE, installed_members
from bot.nudges.timing import latest_weekly_occurrence
from bot.nudges.types import Context, PlannedNudge
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

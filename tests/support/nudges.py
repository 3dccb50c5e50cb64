"""Helpers for the nudge tests: enrolling members straight into the database, ticking, counting DMs."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from bot.db.engine import Database
from bot.db.models import Member, NudgeDelivery, Workspace
from bot.deps import Deps
from bot.nudges.delivery import MAX_ATTEMPTS
from bot.tick.run import TickReport, run_tick
from bot.webapi.tokens import StaticToken
from tests.support.bots import BOT_TOKEN, make_settings
from tests.support.clock import TEST_NOW, Clock
from tests.support.fake_slack import FakeSlack

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
FAST: dict[str, Any] = {
    "stagecoach_send_workers": 4,
    "stagecoach_send_rate": 1000.0,
    "stagecoach_delivery_lease_seconds": 300,
}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def make_deps(db: Database, database_url: str, fake: FakeSlack, content: Any, clock: Clock | None = None) -> Deps:
    settings = make_settings(database_url, fake.api_url)
    return Deps(settings=settings, db=db, content=content, clock=clock or Clock(TEST_NOW))


def workspace_id(db: Database, team_id: str = "T0001") -> int:
    with db.transaction() as session:
        found = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
        if found is not None:
            return int(found)
        workspace = Workspace(team_id=team_id, created_at=LONG_AGO)
        session.add(workspace)
        session.flush()
        return int(workspace.id)


def enroll(
    db: Database,
    user_id: str,
    tz: str = "America/New_York",
    *,
    team_id: str = "T0001",
    enrolled_at: datetime = LONG_AGO,
    **fields: Any,
) -> int:
    ws = workspace_id(db, team_id)
    # Members seeded here chose weekly prompts when they enrolled (the planner's gate, issue #22), unless a
    # test says otherwise with prompts_chosen_at=None.
    fields.setdefault("prompts_chosen_at", enrolled_at)
    with db.transaction() as session:
        member = Member(
            workspace_id=ws,
            slack_user_id=user_id,
            timezone=tz,
            enrolled_at=enrolled_at,
            last_seen_at=enrolled_at,
            **fields,
        )
        session.add(member)
        session.flush()
        return int(member.id)


def enroll_many(db: Database, count: int, tz: str = "America/New_York", prefix: str = "U9") -> list[str]:
    ws = workspace_id(db)
    users = [f"{prefix}{index:06d}" for index in range(count)]
    with db.transaction() as session:
        session.execute(
            insert(Member),
            [
                {
                    "workspace_id": ws,
                    "slack_user_id": user,
                    "timezone": tz,
                    "timezone_from_slack": True,
                    "default_visibility": "private",
                    "weekly_prompt_enabled": True,
                    "prompt_weekday": 4,
                    "prompt_minute": 960,
                    "stuck_nudges_enabled": True,
                    "review_reminders_enabled": True,
                    "enrolled_at": LONG_AGO,
                    "last_seen_at": LONG_AGO,
                    "prompts_chosen_at": LONG_AGO,
                }
                for user in users
            ],
        )
    return users


def fast(deps: Deps, **settings: Any) -> Deps:
    """``deps`` with sends fast enough for tests (4 workers, 1,000 a second), and any other settings."""
    return replace(deps, settings=deps.settings.model_copy(update={**FAST, **settings}))


def tick(deps: Deps, at: datetime, *, max_attempts: int = MAX_ATTEMPTS, **settings: Any) -> TickReport:
    return run_tick(fast(deps, **settings), StaticToken(BOT_TOKEN), at, max_attempts=max_attempts)


def dms(fake: FakeSlack, user_id: str | None = None) -> list[dict[str, Any]]:
    """chat.postMessage params sent to a user (or to anyone), in order."""
    calls = [c.params for c in fake.calls_to("chat.postMessage")]
    return [p for p in calls if user_id is None or p.get("channel") == user_id]


def delivery_ids(fake: FakeSlack) -> Counter[int]:
    """How many chat.postMessage calls carried each ledger row (the nudge metadata)."""
    counted: Counter[int] = Counter()
    for params in dms(fake):
        metadata = params.get("metadata") or {}
        if metadata.get("event_type") == "stagecoach_nudge":
            counted[int(metadata["event_payload"]["delivery_id"])] += 1
    return counted


def posted_per_user(fake: FakeSlack) -> Counter[str]:
    """Messages that actually landed, per DM channel (D… for user U…)."""
    return Counter({channel: len(messages) for channel, messages in fake.messages.items() if messages})


def ledger_rows(db: Database, kind: str | None = None) -> list[NudgeDelivery]:
    with db.transaction() as session:
        query = select(NudgeDelivery).order_by(NudgeDelivery.id)
        if kind is not None:
            query = query.where(NudgeDelivery.kind == kind)
        return list(session.scalars(query))


def action_ids(payload: dict[str, Any]) -> list[str]:
    """Every interactive element's action_id, in block order: actions blocks' elements and sections' accessories."""
    found: list[str] = []
    for block in payload.get("blocks", []):
        if block.get("type") == "actions":
            found += [element["action_id"] for element in block["elements"]]
        elif isinstance(block.get("accessory"), dict) and "action_id" in block["accessory"]:
            found.append(block["accessory"]["action_id"])
    return found


def simulated_slack_clock(fake: FakeSlack, at: datetime) -> None:
    """Make the fake stamp messages as if real time started at ``at`` (reconciliation reads ts)."""
    started = time.time()
    fake.clock = lambda: at.timestamp() + (time.time() - started)

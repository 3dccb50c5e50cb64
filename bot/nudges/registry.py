"""The nudge kinds, a module each (``bot/nudges/kinds/``: a planner, a renderer, personal kinds behind
``respecting_time``, and a priority, lower first, stored on each ledger row so the claim's index orders by
it); ``plan_all`` plans them all."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import text

from bot.deps import Deps
from bot.nudges import ledger
from bot.nudges.kinds import (
    digest,
    found_this_week,
    manager_named,
    review_agenda,
    review_rating,
    review_reminder,
    stage_changed,
    stuck,
    weekly_prompt,
)
from bot.nudges.types import Batch, Context, NudgeType

log = logging.getLogger(__name__)

ANALYZE_AFTER = 50_000
"""Members planned in one pass by a batched planner after which the members table's statistics are renewed."""


KINDS = (
    stuck,
    weekly_prompt,
    review_reminder,
    digest,
    review_rating,
    review_agenda,
    stage_changed,
    found_this_week,
    manager_named,
)
"""One module per kind (``bot/nudges/kinds/``), each declaring its ``TYPE``: kind, grace, priority, paged,
payload, plan and render."""

NUDGE_TYPES: list[NudgeType] = [module.TYPE for module in KINDS]


def by_kind() -> dict[str, NudgeType]:
    return {nudge_type.kind: nudge_type for nudge_type in NUDGE_TYPES}


def by_priority() -> list[NudgeType]:
    return sorted(NUDGE_TYPES, key=lambda nudge_type: nudge_type.priority)


def plan_all(deps: Deps, at: datetime) -> tuple[dict[str, int], int]:
    """Plan every kind into the ledger, each in its own transaction (one kind's failure does not stop the
    others): the new due rows by kind, and how many were already past their grace (recorded as skipped)."""
    context, skipped = Context(deps.content, deps.settings, at), 0
    forget_before = at - timedelta(days=deps.settings.stagecoach_ledger_retention_days)
    planned: dict[str, int] = {}
    batched = 0
    for nudge_type in by_priority():
        more = True
        while more:  # a batched planner's batches, each in its own transaction (memory bounded by a batch)
            try:
                with deps.db.transaction() as session:
                    batch = nudge_type.plan(session, context)
                    more = isinstance(batch, Batch) and batch.more
                    due, missed = ledger.ensure(
                        session,
                        nudge_type,
                        batch,
                        at,
                        check_existing=not isinstance(batch, Batch),
                        forget_before=forget_before,
                    )
            except Exception:
                log.exception("planning failed", extra={"kind": nudge_type.kind})
                break
            if due:
                planned[nudge_type.kind] = planned.get(nudge_type.kind, 0) + due
            skipped += missed
            batched += len(batch) if isinstance(batch, Batch) else 0
    if batched >= ANALYZE_AFTER and deps.db.backend == "postgresql":
        # A big first plan moved most members' prompt_due_at on: until autovacuum re-analyses the table
        # (a minute or more), PostgreSQL believes them all still due and reads every member by sequential
        # scan (100,000 members: 54 ms a minute against 11 ms with fresh statistics). ANALYZE samples 30,000
        # rows, a few hundred milliseconds once.
        try:
            with deps.db.transaction() as session:
                session.execute(text("ANALYZE members"))
        except Exception:
            # Only the table's owner may; without it autovacuum does the same a little later.
            log.warning("could not refresh the members table's statistics", exc_info=True)
    return planned, skipped

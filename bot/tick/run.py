"""One tick, the only entry point (``python -m bot tick --at T`` and the in-process scheduler): housekeeping,
this minute's ``users.list`` pages, then the nudge pass (plan every kind into the ledger, deliver what is
due). The ledger, not the scheduler, decides what was already sent."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.nudges import ledger
from bot.nudges.delivery import MAX_ATTEMPTS, Delivery
from bot.nudges.registry import by_kind, plan_all
from bot.nudges.timing import ticking_clock
from bot.services import workspaces
from bot.services.events import forget_old_events
from bot.tick.directory import refresh_profiles
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

SCHEDULER_BUDGET_SECONDS = 50
"""The in-process tick stops claiming after this long and the next minute carries on, so a 10,000-prompt
fan-out does not hold up a stuck nudge that falls due meanwhile (the next tick plans it and sends it
first). ``python -m bot tick`` has no budget: it sends everything it can, then exits; a workspace that
answers 429 five times in a row, or is paused for longer than 10 s, is left to a later tick
(``bot/nudges/delivery.py``), so a cron tick always ends."""
PRUNE_BATCH, PRUNE_BATCHES = 1000, 10
"""Finished ledger rows deleted per transaction, and transactions per tick and kind (``prune_ledger``)."""
# The ledger's words for what happened to a row, as the metric's outcome label.
OUTCOMES = {"sent": "sent", "failed": "failed", "retry_later": "retried", "skipped": "skipped"}


@dataclass
class TickReport:
    at: datetime
    planned: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry_later: int = 0
    pruned: int = 0
    """Finished ledger rows deleted for being older than the retention."""

    def summary(self) -> str:
        planned = ", ".join(f"{kind}={count}" for kind, count in sorted(self.planned.items())) or "nothing"
        return (
            f"tick at {self.at.isoformat()}: planned {planned}; sent {self.sent}, skipped {self.skipped}, "
            f"failed {self.failed}, retry later {self.retry_later}"
        )


def prune_ledger(deps: Deps, at: datetime) -> int:
    """Delete finished ledger rows due more than ``STAGECOACH_LEDGER_RETENTION_DAYS`` before ``at``: at most
    ``PRUNE_BATCHES`` transactions of ``PRUNE_BATCH`` rows a tick, so no tick holds a long lock or spends its
    minute here (a backlog of 1,000,000 rows goes in 100 minutes, a few milliseconds a batch)."""
    before, pruned = at - timedelta(days=deps.settings.stagecoach_ledger_retention_days), 0
    for kind in by_kind():
        for _ in range(PRUNE_BATCHES):
            with deps.db.transaction() as session:
                deleted = ledger.prune(session, kind, before, PRUNE_BATCH)
            pruned += deleted
            if deleted < PRUNE_BATCH:
                break
    if pruned:
        log.info("pruned finished nudge ledger rows", extra={"count": pruned, "before": before.isoformat()})
    return pruned


def run_tick(
    deps: Deps,
    tokens: TokenSource,
    at: datetime,
    *,
    budget_seconds: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> TickReport:
    if at.tzinfo is None:
        raise ValueError("tick time must be timezone-aware")
    started = time.perf_counter()
    report = TickReport(at=at)
    forget_old_events(deps.db, deps.clock())
    try:
        workspaces.purge_expired(deps.db, at, timedelta(days=deps.settings.stagecoach_uninstall_retention_days))
    except Exception:
        log.exception("purging uninstalled workspaces failed")
    try:
        report.pruned = prune_ledger(deps, at)
    except Exception:
        log.exception("pruning the nudge ledger failed")
    # Statuses first: read after the sends, an away status seen this minute still let this minute's prompt go
    # (issue 24). The pass reads at most 10 pages of 200 people a minute, a few seconds at most.
    try:
        refresh_profiles(deps, tokens, at)
    except Exception:
        log.exception("profile refresh (timezones, away statuses) failed")
    report.planned, report.skipped = plan_all(deps, at)
    # On a clock that moves on from ``at`` with real time, so leases and backoffs stay meaningful in a long fan-out.
    delivered = Delivery(
        deps, tokens, ticking_clock(at), budget_seconds=budget_seconds, max_attempts=max_attempts
    ).run()
    for name in ("sent", "skipped", "failed", "retry_later"):
        setattr(report, name, getattr(report, name) + delivered.count(name))
    log.info(report.summary())
    deps.metrics.nudges_planned_by_kind(report.planned)
    for kind, counts in delivered.by_kind.items():
        for name, outcome in OUTCOMES.items():
            if counts[name]:
                deps.metrics.nudge_outcome(kind, outcome, counts[name])
    deps.metrics.observe_tick(time.perf_counter() - started)
    return report

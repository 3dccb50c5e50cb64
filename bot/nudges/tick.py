"""One scheduler tick: plan what is due by ``at``, then deliver it. The only entry point.

``python -m bot tick --at T`` and the in-process APScheduler job both call :func:`run_tick`;
the database ledger, not the scheduler, decides what has already been sent.

1. **Plan**: every registered nudge kind's planner lists what is due by ``at``;
   :func:`bot.nudges.ledger.ensure` inserts the occurrences the ledger does not have yet
   (idempotent, so repeated ticks and several replicas agree). Occurrences older than the kind's
   grace window (the bot was down) are recorded as skipped and logged, never sent.
2. **Deliver**: :mod:`bot.nudges.delivery` sends every due row once, reconciling any row whose
   earlier attempt may have reached Slack. It runs on a clock that starts at ``at`` and moves on
   with real time, so leases and backoffs stay meaningful during a long fan-out.
3. **Housekeeping**: forget old event ids; delete the data of workspaces uninstalled longer ago
   than ``STAGECOACH_UNINSTALL_RETENTION_DAYS``; a few pages of each workspace's users.list pass
   (timezones and away statuses, every ``STAGECOACH_STATUS_REFRESH_MINUTES``; see ``timezones.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.nudges import ledger, registry
from bot.nudges.delivery import DeliveryOptions, DeliveryReport, deliver
from bot.nudges.timezones import refresh_profiles
from bot.nudges.timing import ticking_clock
from bot.nudges.types import PlanContext
from bot.services import workspaces
from bot.services.events import forget_old_events
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

SCHEDULER_BUDGET_SECONDS = 50
"""The in-process scheduler's tick stops claiming new rows after this long (what it claimed still goes
out); the next minute's tick carries on. So a 10,000-prompt fan-out does not hold up a stuck nudge that
falls due meanwhile (the next tick plans it and sends it first). ``python -m bot tick`` has no budget:
the operator contract says it sends everything due, then exits."""


@dataclass
class TickReport:
    at: datetime
    planned: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry_later: int = 0

    def summary(self) -> str:
        planned = ", ".join(f"{kind}={count}" for kind, count in sorted(self.planned.items())) or "nothing"
        return (
            f"tick at {self.at.isoformat()}: planned {planned}; sent {self.sent}, skipped {self.skipped}, "
            f"failed {self.failed}, retry later {self.retry_later}"
        )


def plan_all(deps: Deps, at: datetime, report: TickReport) -> None:
    """Plan every kind, each in its own transaction: one kind's failure does not stop the others."""
    context = PlanContext(content=deps.content, settings=deps.settings, at=at)
    for nudge_type in registry.by_priority():
        try:
            with deps.db.transaction() as session:
                result = ledger.ensure(session, nudge_type, nudge_type.plan(session, context), at)
        except Exception:
            log.exception("planning failed", extra={"kind": nudge_type.kind})
            continue
        if result.due:
            report.planned[nudge_type.kind] = result.due
        report.skipped += result.skipped


def purge_uninstalled(deps: Deps, at: datetime) -> None:
    """Delete every row of the workspaces uninstalled longer ago than the retention period."""
    retention = timedelta(days=deps.settings.stagecoach_uninstall_retention_days)
    try:
        with deps.db.transaction() as session:
            purged = workspaces.purge_expired(session, at, retention)
    except Exception:
        log.exception("purging uninstalled workspaces failed")
        return
    for workspace in purged:
        log.info(
            "deleted an uninstalled workspace's data after the retention period",
            extra={"team": workspace.team_id, "members": workspace.members, "entries": workspace.entries},
        )
    if purged:
        deps.db.scrub()


def run_tick(
    deps: Deps,
    tokens: TokenSource,
    at: datetime,
    *,
    delivery: DeliveryOptions | None = None,
    budget_seconds: float | None = None,
) -> TickReport:
    if at.tzinfo is None:
        raise ValueError("tick time must be timezone-aware")
    started = time.perf_counter()
    report = TickReport(at=at)
    with deps.db.transaction() as session:
        forget_old_events(session, deps.clock())
    purge_uninstalled(deps, at)
    plan_all(deps, at, report)
    options = delivery or DeliveryOptions.from_settings(deps.settings, budget_seconds=budget_seconds)
    delivered = deliver(deps, tokens, ticking_clock(at), options)
    report.sent += delivered.sent
    report.skipped += delivered.skipped
    report.failed += delivered.failed
    report.retry_later += delivered.retry_later
    try:
        refresh_profiles(deps, tokens, at)
    except Exception:
        log.exception("profile refresh (timezones, away statuses) failed")
    log.info(report.summary())
    _record_metrics(deps, report, delivered, time.perf_counter() - started)
    return report


# The ledger's words for what happened to a row, as the metric's outcome label.
_OUTCOMES = {"sent": "sent", "failed": "failed", "retry_later": "retried", "skipped": "skipped"}


def _record_metrics(deps: Deps, report: TickReport, delivered: DeliveryReport, seconds: float) -> None:
    deps.metrics.nudges_planned_by_kind(report.planned)
    for kind, counts in delivered.by_kind.items():
        for name, outcome in _OUTCOMES.items():
            if counts.get(name):
                deps.metrics.nudge_outcome(kind, outcome, counts[name])
    deps.metrics.observe_tick(seconds)

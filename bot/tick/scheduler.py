"""The in-process scheduler: APScheduler only ticks; the ledger in the database decides."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.deps import Deps
from bot.tick.run import SCHEDULER_BUDGET_SECONDS, run_tick
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)


def start_scheduler(deps: Deps, tokens: TokenSource) -> BackgroundScheduler:
    def tick() -> None:
        try:
            run_tick(deps, tokens, deps.clock(), budget_seconds=SCHEDULER_BUDGET_SECONDS)
        except Exception:
            # Keep ticking: the next minute retries whatever this one could not do.
            log.exception("scheduler tick failed")

    scheduler = BackgroundScheduler(timezone="UTC")
    trigger = CronTrigger(second=0, timezone="UTC")
    scheduler.add_job(tick, trigger, id="stagecoach-tick", max_instances=1, coalesce=True, misfire_grace_time=30)
    scheduler.start()
    log.info("scheduler started: one tick a minute")
    return scheduler

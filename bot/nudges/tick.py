"""One scheduler tick: plan what is due by ``at``, then deliver it. The only entry point.

``python -m bot tick --at T`` and the in-process APScheduler job both call :func:`run_tick`;
the database ledger, not the scheduler, decides what has already been sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.slack.deps import Deps
from bot.slack.middleware import forget_old_events
from bot.slack.tokens import TokenSource

log = logging.getLogger(__name__)


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


def run_tick(deps: Deps, tokens: TokenSource, at: datetime) -> TickReport:
    if at.tzinfo is None:
        raise ValueError("tick time must be timezone-aware")
    report = TickReport(at=at)
    forget_old_events(deps)
    log.info(report.summary())
    return report

"""What the web app and the tick share: settings, the database, the content, the clock and the metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.db.engine import Database
from bot.metrics import Metrics
from bot.settings import Settings
from content import Content


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    content: Content
    clock: Callable[[], datetime] = field(default=system_clock)
    metrics: Metrics = field(default_factory=Metrics)
    """This app's own Prometheus registry (GET /metrics); one per Deps, so several apps never collide."""

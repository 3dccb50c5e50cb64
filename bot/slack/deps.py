"""What listeners need from the rest of the bot, handed to them through the Bolt context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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


DEPS_KEY = "stagecoach_deps"


def deps_of(context: Any) -> Deps:
    deps = context[DEPS_KEY]
    assert isinstance(deps, Deps)
    return deps

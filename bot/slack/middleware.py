"""Global middleware: hand listeners their dependencies. Nothing here touches the database.

Everything that needs the database (enrolling the user, de-duplicating retried events)
happens inside listeners after their ack, so a slow database never delays Slack's 3 s ack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.slack.deps import DEPS_KEY, Deps


def inject_deps(deps: Deps) -> Callable[..., Any]:
    def inject_deps_middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context[DEPS_KEY] = deps
        next()

    return inject_deps_middleware

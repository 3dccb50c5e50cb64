"""Global middleware: hand listeners their dependencies. Nothing here touches the database.

Everything that needs the database (enrolling the user, de-duplicating retried events)
happens inside listeners after their ack, so a slow database never delays Slack's 3 s ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.deps import Deps
from bot.slack.deps import DEPS_KEY

log = logging.getLogger(__name__)


def inject_deps(deps: Deps) -> Callable[..., Any]:
    def inject_deps_middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context[DEPS_KEY] = deps
        next()

    return inject_deps_middleware


def refuse_other_workspaces(context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
    """Single-workspace mode: a signed request for another team is refused before any listener runs.

    The signing secret is per app, not per workspace, so an app installed in two workspaces gets
    validly signed requests from both; with one bot token the bot would act in its own workspace on
    the other's ids. Its own team comes from auth.test (Bolt's authorize result); the request's is
    the one Bolt reads to look an installation up in multi-workspace mode.
    """
    authorized = context.authorize_result
    own_team = authorized.team_id if authorized is not None else None
    if own_team and context.team_id and context.team_id != own_team:
        log.warning("refused a request from another workspace", extra={"team": context.team_id})
        return BoltResponse(status=403, body="")
    next()
    return None

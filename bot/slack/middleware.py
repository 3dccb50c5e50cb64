"""The one global middleware: refuse other workspaces, hand listeners their dependencies, start the clocks.

Nothing here touches the database: enrolling the user happens after the ack (bot/slack/acting.py);
the one write before an ack is the registrar's request inbox row, which also de-duplicates retried
events (bot/slack/handling.py, bounded on PostgreSQL so a slow database cannot hold Slack's 3 s ack).

One :class:`~slack_bolt.middleware.Middleware` rather than four ``app.use(function)``: Bolt builds the
arguments of every function middleware on every request (``build_required_kwargs``); with four of
them that was 78% of our middleware's cost and 32% of ``App.dispatch`` (yappi, 880 requests of
``bench.load_http``). A ``Middleware`` is called with the request itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.deps import Deps
from bot.slack.acting import mark_external
from bot.slack.deps import DEPS_KEY
from bot.slack.executor import POST_ACK_KEY, PostAckExecutor
from bot.slack.instrumentation import instrument_request

log = logging.getLogger(__name__)


def from_another_workspace(context: BoltContext) -> bool:
    """Single-workspace mode: is this signed request for another team than the bot's own?

    The signing secret is per app, not per workspace, so an app installed in two workspaces gets
    validly signed requests from both; with one bot token the bot would act in its own workspace on
    the other's ids. Its own team comes from auth.test (Bolt's authorize result); the request's is
    the one Bolt reads to look an installation up in multi-workspace mode.
    """
    authorized = context.authorize_result
    own_team = authorized.team_id if authorized is not None else None
    return bool(own_team and context.team_id and context.team_id != own_team)


class RequestSetup(Middleware):
    """Before any listener: (single-workspace) refuse other teams, then deps, post-ack executor, metrics."""

    def __init__(self, deps: Deps, post_ack: PostAckExecutor, *, single_workspace: bool) -> None:
        self.deps = deps
        self.post_ack = post_ack
        self.single_workspace = single_workspace

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        context = req.context
        if self.single_workspace and from_another_workspace(context):
            log.warning("refused a request from another workspace", extra={"team": context.team_id})
            return BoltResponse(status=403, body="")
        mark_external(req.body, context)  # Slack Connect: read from the body here, acted on when enrolling
        context[DEPS_KEY] = self.deps
        context[POST_ACK_KEY] = self.post_ack
        instrument_request(context, req.body, self.deps.metrics)
        return next()

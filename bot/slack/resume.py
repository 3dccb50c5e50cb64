"""Dispatching again the acknowledged requests a crash interrupted (their rows in the request inbox).

At start-up and then every half lease, :func:`bot.services.inbox.take_stale` claims the requests
whose lease has lapsed (their process died: kill -9, a lost container) and each goes through Bolt
again, exactly as it first came but for the signature check: it was verified before it was stored,
and its five-minute window has passed since. Bolt skips that check for Socket Mode requests, which is
how these are marked; the context's :data:`~bot.slack.durable.REPLAY_KEY` tells the registrar not
to record it a second time. The listener then runs as it would have, answering through the request's
``response_url`` (Slack keeps it 30 minutes) or in the person's DM.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from slack_bolt import App, BoltRequest

from bot.deps import Deps
from bot.services import inbox
from bot.slack.durable import REPLAY_KEY
from bot.slack.executor import PostAckExecutor

log = logging.getLogger(__name__)


class Resumer:
    """Claims stale inbox rows and dispatches them through ``app`` (one per process)."""

    def __init__(self, app: App, deps: Deps, post_ack: PostAckExecutor) -> None:
        self.app = app
        self.deps = deps
        self.post_ack = post_ack
        self.lease = timedelta(seconds=deps.settings.stagecoach_inbox_lease_seconds)

    def run_once(self) -> int:
        """Dispatch every stale request once; how many were taken."""
        stale = inbox.take_stale(self.deps.db, self.deps.clock(), self.lease, skip=self.post_ack.held())
        for item in stale:
            log.info(
                "dispatching an interrupted request again",
                extra={"inbox_id": item.inbox_id, "attempt": item.attempts, "give_up": item.give_up},
            )
            request = BoltRequest(body=item.body, mode="socket_mode", context={REPLAY_KEY: item})
            try:
                self.app.dispatch(request)
            except Exception:
                # The row keeps its new lease: the next pass takes it again (3 attempts at most).
                log.exception("dispatching an interrupted request failed", extra={"inbox_id": item.inbox_id})
            if item.give_up:
                # Given up is done, even if no listener took it (say, an id a newer version no longer has):
                # otherwise it would come back every half lease.
                inbox.finish(self.deps.db, item.inbox_id)
        return len(stale)

    def start(self, stop: threading.Event) -> threading.Thread:
        """Run :meth:`run_once` now and every half lease until ``stop`` is set."""
        interval = max(0.25, self.lease.total_seconds() / 2)

        def loop() -> None:
            while True:
                try:
                    self.run_once()
                except Exception:
                    log.exception("resuming interrupted requests failed; trying again later")
                if stop.wait(interval):
                    return

        thread = threading.Thread(target=loop, name="inbox-resume", daemon=True)
        thread.start()
        return thread

"""When work after an ack may start, and which of two taps on one record wins.

:class:`AcksInFlight` holds post-ack work back while the HTTP server is still writing acks (they share
one GIL); :class:`LatestTaps` drops a tap older than one already applied (Slack's ``action_ts``).
Both are used by :class:`bot.slack.executor.PostAckExecutor` and the registrar's deferred listeners.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from slack_bolt import BoltContext

ACKS_FIRST_MAX_WAIT = 0.1
"""How long work after an ack may stand aside for acks still being written (seconds)."""
ACKS_QUIET = 0.003
"""Work starts once no ack has been in flight for this long: the requests of one burst arrive a few
milliseconds apart, so "no ack right now" alone let work start between them (ack p99 1.5-2.1x the bare
app's with it; 0.5-0.7x with 3 ms, answers 10 ms later; bench.load_http, 20 concurrent)."""


class AcksInFlight:
    """Requests the HTTP server is still acknowledging; work after an ack starts once there are none.

    Slack's clock on an ack (3 s) is the one that cannot be missed, and every thread shares one GIL:
    work started while other requests of the same burst are still being acked slows those acks
    (2 cores, 20 simultaneous requests: our ack p99 was 1.3-2.4x a bare Bolt app's, whose post-ack
    work is 3x lighter). So post-ack and trigger-bound work first waits, at most
    ``ACKS_FIRST_MAX_WAIT``, until no ack has been in flight for ``ACKS_QUIET``; the answers come
    that much later at worst (a burst of 20 acks takes about 20 ms). Measured with ``bench.load_http``.
    """

    def __init__(self) -> None:
        self._quiet = threading.Condition()
        self._acking = 0
        self._last_ack = 0.0

    def __enter__(self) -> AcksInFlight:
        with self._quiet:
            self._acking += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._quiet:
            self._acking -= 1
            self._last_ack = time.monotonic()
            if not self._acking:
                self._quiet.notify_all()

    def wait_quiet(self, limit: float = ACKS_FIRST_MAX_WAIT) -> None:
        """Return once no ack has been in flight for ``ACKS_QUIET`` seconds, or after ``limit`` seconds."""
        deadline = time.monotonic() + limit
        with self._quiet:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._acking:
                    self._quiet.wait(deadline - now)
                    continue
                calm_at = self._last_ack + ACKS_QUIET
                if now >= calm_at:
                    return
                self._quiet.wait(min(calm_at, deadline) - now)


TAPS_REMEMBERED = 10_000
"""Records whose latest tap is remembered (a few hundred bytes each): far more than are clicked in the
minutes a tap can be late by."""


class LatestTaps:
    """The newest Slack ``action_ts`` applied per (person, record): an older tap arriving later is dropped.

    One person's work runs in the order it was taken (:class:`PostAckExecutor`), but two taps 60 ms apart
    can be taken out of order when the first waits longer for its ack (a busy database lock), and then
    the earlier state won (2-8 of 20 runs, issue 24). Slack stamps each tap; the last one wins by it.
    A record is the message (its ts) or the view (its id) the buttons are on, with the action's block.
    """

    def __init__(self, limit: int = TAPS_REMEMBERED) -> None:
        self._lock = threading.Lock()
        self._latest: OrderedDict[tuple[str, str, str], float] = OrderedDict()
        self._limit = limit

    @staticmethod
    def _key(body: dict[str, Any], context: BoltContext) -> tuple[tuple[str, str, str], float] | None:
        actions = body.get("actions") or []
        if not actions or not context.user_id:
            return None
        try:
            stamp = float(actions[0].get("action_ts") or "")
        except ValueError:
            return None
        container = body.get("container") or {}
        record = str(container.get("message_ts") or container.get("view_id") or (body.get("message") or {}).get("ts"))
        block = str(actions[0].get("block_id") or "")
        return (f"{context.team_id}:{context.user_id}", record, block), stamp

    def superseded(self, body: dict[str, Any], context: BoltContext) -> bool:
        """True when a newer tap on the same record was applied already; else remember this one."""
        keyed = self._key(body, context)
        if keyed is None:
            return False
        key, stamp = keyed
        with self._lock:
            latest = self._latest.get(key)
            if latest is not None and latest > stamp:
                return True
            self._latest[key] = stamp
            self._latest.move_to_end(key)
            while len(self._latest) > self._limit:
                self._latest.popitem(last=False)
        return False

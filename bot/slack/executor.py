"""The post-ack executor: a fixed set of threads and a bounded queue for the work after acks.

Listeners run on the HTTP thread (``process_before_response=True``, see ``bot/slack/app.py``); the
registrar acks and hands their work here. A place in the queue is *reserved* before the ack (so a
refused command hears why in its ack), and the work is handed over after it: a :class:`Reservation`
that is never started must be cancelled, or its place (and its owner's share) would stay taken.

Why hand-made rather than Bolt's ``lazy=[...]``: lazy functions share the listener pool, queue
without bound, deep-copy each request and report nothing, so a burst delays modals silently.
Measured with ``python -m bench.load_http`` (Slack answering in 0.3 s, 20 concurrent): with all
post-ack work on one 2-thread pool, 2-10 of 20 modals were late and /stage answers took 8.7 s at
p99; with this design 0 triggers expired and answers p99 0.35-0.7 s.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.slack.pacing import AcksInFlight, LatestTaps
from bot.slack.reservation import Reservation, Saturated

log = logging.getLogger(__name__)

POST_ACK_KEY = "stagecoach_post_ack"
"""Where the app's executor is in each request's context (set by bot/slack/middleware.py)."""
SLOW_WAIT_SECONDS = 1.0
"""A post-ack job that waited longer than this is logged at WARNING (answers should come within ~1.5 s)."""
WAIT_WINDOW = 200
"""How many recent waits /healthz summarises (p50/max)."""
TRIGGER_THREADS = 64
"""Threads that open modals at once after an ack: the 20th simultaneous click must not wait for one."""
OVERFLOW_THREADS = 4
"""Threads for what must still happen when the queue is full (a "busy" answer, an acked event): few,
so a flood of refused requests cannot start a thread each."""

FAIR_SHARE_DIVISOR = 4
"""One person may hold at most a quarter of the post-ack workers (8 of 32) with queued or running work:
a flood of 400 DMs from one member then leaves 24 workers and the rest of the queue to everyone else
(before, it filled the queue and another member's /stage was answered "busy" in 4-5 of 5 runs)."""


@dataclass(frozen=True)
class PostAckStats:
    """What /healthz (and the metrics) show about the work after acks."""

    workers: int
    capacity: int
    queued: int
    running: int
    trigger_bound: int
    submitted: int
    rejected: int
    wait_p50_ms: float
    wait_max_ms: float
    draining: bool

    @property
    def depth(self) -> int:
        return self.queued + self.running

    def as_dict(self) -> dict[str, Any]:
        return {
            "depth": self.depth,
            "queued": self.queued,
            "running": self.running,
            "capacity": self.capacity,
            "workers": self.workers,
            "trigger_bound_running": self.trigger_bound,
            "submitted": self.submitted,
            "rejected": self.rejected,
            "wait_p50_ms": round(self.wait_p50_ms, 1),
            "wait_max_ms": round(self.wait_max_ms, 1),
            "draining": self.draining,
        }


_live_executors: weakref.WeakSet[PostAckExecutor] = weakref.WeakSet()


class PostAckExecutor:
    """A fixed set of threads and a bounded queue for the work after acks; one per app.

    Not concurrent.futures.ThreadPoolExecutor: its queue has no bound, no way to refuse work, and
    no figure for how long work waited, which is the number that decides whether answers are late.
    Threads are started lazily and are daemons; :meth:`shutdown` drains them (bounded).
    """

    def __init__(
        self, workers: int, capacity: int, *, trigger_threads: int = TRIGGER_THREADS, name: str = "post-ack"
    ) -> None:
        self.workers = workers
        self.capacity = capacity
        self.trigger_pool = ThreadPoolExecutor(trigger_threads, thread_name_prefix="trigger-bound")
        """Runs modal-opening work at once; build_app hands it to Bolt as its listener executor too."""
        self.trigger_capacity = trigger_threads
        """Trigger-bound jobs that may run at once; past it (never seen in benchmarks) the answer is "busy"."""
        self._name = name
        # (priority, order, queued at, description, work); None items (priority 9) stop a thread.
        self._queue: queue.PriorityQueue[tuple[int, int, float, str, Callable[[], None] | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queued = 0
        self._running = 0
        self._trigger_bound = 0
        self._submitted = 0
        self._rejected = 0
        self._waits: deque[float] = deque(maxlen=WAIT_WINDOW)
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._overflow = ThreadPoolExecutor(OVERFLOW_THREADS, thread_name_prefix=f"{name}-overflow")
        self._overflowing = 0
        self._per_owner: Counter[str] = Counter()
        self._tickets: dict[str, deque[int]] = {}
        """Each owner's reservations not yet running, in the order they were taken."""
        self._ready: dict[tuple[str, int], tuple[int, int, float, str, Callable[[], None] | None]] = {}
        """Owners' jobs handed over (``start``) and waiting for their turn, by (owner, reservation)."""
        self._owner_running: set[str] = set()
        self.owner_share = max(1, workers // FAIR_SHARE_DIVISOR)
        """Jobs one person (team and user) may have queued or running at once."""
        self.holding: set[int] = set()
        """Inbox ids of requests this process has taken on and not finished (the resumer skips them)."""
        self.taps = LatestTaps()
        self.acks = AcksInFlight()
        """The HTTP server counts its acks here (bot/server.py); work starts after them."""
        _live_executors.add(self)

    # -- the plain figures (for /healthz, logs and issue 11's metrics) ----------------------

    @property
    def depth(self) -> int:
        """Jobs queued or running now."""
        with self._lock:
            return self._queued + self._running

    def stats(self) -> PostAckStats:
        with self._lock:
            waits = sorted(self._waits)
            return PostAckStats(
                workers=self.workers,
                capacity=self.capacity,
                queued=self._queued,
                running=self._running,
                trigger_bound=self._trigger_bound,
                submitted=self._submitted,
                rejected=self._rejected,
                wait_p50_ms=waits[len(waits) // 2] * 1000 if waits else 0.0,
                wait_max_ms=waits[-1] * 1000 if waits else 0.0,
                draining=self._closed,
            )

    # -- work ------------------------------------------------------------------------------

    def hold(self, inbox_id: int) -> None:
        with self._lock:
            self.holding.add(inbox_id)

    def release(self, inbox_id: int) -> None:
        with self._lock:
            self.holding.discard(inbox_id)

    def held(self) -> set[int]:
        with self._lock:
            return set(self.holding)

    def submit(self, description: str, work: Callable[[], None], *, background: bool = False) -> None:
        """Queue ``work``; raise :class:`Saturated` when ``capacity`` jobs already wait or the app is stopping.

        ``background`` work (a profile refresh nobody waits for) runs after every answer someone is
        waiting for, and is refused once the queue is half full, keeping the other half for answers.
        """
        self.reserve(description, background=background).start(work)

    def reserve(self, description: str, *, background: bool = False, owner: str | None = None) -> Reservation:
        """Take a place in the queue (or raise :class:`Saturated`); ``start`` the result with the work to queue it.

        ``owner`` (the acting person) may hold at most ``owner_share`` places queued or running.
        """
        limit = self.capacity // 2 if background else self.capacity
        ticket = 0
        with self._lock:
            if (
                self._closed
                or self._queued >= limit
                or (owner is not None and self._per_owner[owner] >= self.owner_share)
            ):
                self._rejected += 1
                depth, closed = self._queued + self._running, self._closed
                refused = True
            else:
                self._queued += 1
                self._submitted += 1
                if owner is not None:
                    self._per_owner[owner] += 1
                    ticket = next(self._order)
                    self._tickets.setdefault(owner, deque()).append(ticket)
                refused = False
                if len(self._threads) < self.workers and self._running + self._queued > len(self._threads):
                    thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True)
                    self._threads.append(thread)
                    thread.start()
        if refused:
            log.warning(
                "post-ack queue full: answering busy", extra={"work": description, "depth": depth, "closing": closed}
            )
            raise Saturated(description)
        return Reservation(self, description, 1 if background else 0, owner, ticket)

    def _start(self, reservation: Reservation, work: Callable[[], None]) -> None:
        owner, item = reservation.owner, (reservation.priority, next(self._order), reservation.queued_at)
        if owner is None:
            self._queue.put((*item, reservation.description, work))
            return

        def owned() -> None:
            try:
                work()
            finally:
                self._owner_done(owner)

        with self._lock:
            self._ready[(owner, reservation.ticket)] = (*item, reservation.description, owned)
            next_item = self._next_of(owner)
        if next_item is not None:
            self._queue.put(next_item)

    def _cancel(self, reservation: Reservation) -> None:
        """Give back a place never started: the queue's, and the owner's share and turn."""
        owner, next_item = reservation.owner, None
        with self._idle:
            self._queued -= 1
            self._submitted -= 1
            if owner is not None:
                self._per_owner[owner] -= 1
                if self._per_owner[owner] <= 0:
                    del self._per_owner[owner]
                tickets = self._tickets.get(owner)
                if tickets is not None and reservation.ticket in tickets:
                    tickets.remove(reservation.ticket)
                next_item = self._next_of(owner)  # a later request of theirs may be waiting for this turn
                if not self._tickets.get(owner):
                    self._tickets.pop(owner, None)
            self._idle.notify_all()
        log.info("post-ack place given back unused", extra={"work": reservation.description})
        if next_item is not None:
            self._queue.put(next_item)

    # One person's work runs one job at a time, in the order their requests were taken (their reservation
    # order): two taps on one record 60 ms apart were applied out of order in 2-8 of 20 runs under load,
    # each on its own worker (issue 24). A person does one thing after another, so nothing waits that a
    # person would notice; it also keeps one member's flood to one worker at a time.

    def _next_of(self, owner: str) -> tuple[int, int, float, str, Callable[[], None] | None] | None:
        """The owner's next job, if none of theirs is running and it has been started (lock held)."""
        tickets = self._tickets.get(owner)
        if not tickets or owner in self._owner_running:
            return None
        item = self._ready.pop((owner, tickets[0]), None)
        if item is None:
            return None  # the earlier request's thread has not handed its work over yet
        tickets.popleft()
        self._owner_running.add(owner)
        return item

    def _owner_done(self, owner: str) -> None:
        with self._lock:
            self._per_owner[owner] -= 1
            if self._per_owner[owner] <= 0:
                del self._per_owner[owner]
            self._owner_running.discard(owner)
            item = self._next_of(owner)
            if not self._tickets.get(owner):
                self._tickets.pop(owner, None)
        if item is not None:
            self._queue.put(item)

    def _work(self) -> None:
        while True:
            _, _, queued_at, description, work = self._queue.get()
            if work is None:
                return
            self.acks.wait_quiet()
            waited = time.monotonic() - queued_at
            with self._lock:
                self._queued -= 1
                self._running += 1
                self._waits.append(waited)
                depth = self._queued + self._running
            level = logging.WARNING if waited > SLOW_WAIT_SECONDS else logging.DEBUG
            log.log(
                level, "post-ack work started", extra={"work": description, "wait_ms": waited * 1000, "depth": depth}
            )
            try:
                work()
            except Exception:
                log.exception("post-ack work failed", extra={"work": description})
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

    def run_trigger_bound(self, description: str, work: Callable[[], None]) -> None:
        """Run ``work`` now on the calling thread, counted so /healthz and drain see it."""
        with self._lock:
            self._trigger_bound += 1
        try:
            work()
        finally:
            with self._idle:
                self._trigger_bound -= 1
                self._idle.notify_all()

    def start_trigger_bound(self, description: str, work: Callable[[], None]) -> None:
        """Start ``work`` at once on a thread of its own (never behind a queue); :class:`Saturated` if none is free."""
        with self._lock:
            if self._closed or self._trigger_bound >= self.trigger_capacity:
                self._rejected += 1
                refused = True
            else:
                self._trigger_bound += 1
                refused = False
        if refused:
            log.warning("trigger-bound work refused: every thread busy", extra={"work": description})
            raise Saturated(description)

        def run() -> None:
            try:
                self.acks.wait_quiet()
                work()
            except Exception:
                log.exception("trigger-bound work failed", extra={"work": description})
            finally:
                with self._idle:
                    self._trigger_bound -= 1
                    self._idle.notify_all()

        self.trigger_pool.submit(run)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._queued or self._running or self._trigger_bound or self._overflowing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(min(remaining, 0.05))
        return True

    def overflow(self, description: str, work: Callable[[], None]) -> None:
        """Run ``work`` on the few overflow threads: what must happen although the queue refused it."""
        with self._lock:
            self._overflowing += 1

        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("overflow work failed", extra={"work": description})
            finally:
                with self._idle:
                    self._overflowing -= 1
                    self._idle.notify_all()

        self._overflow.submit(run)

    def shutdown(self, timeout: float) -> bool:
        """Refuse new work, finish what was accepted (bounded by ``timeout``), stop the threads."""
        with self._lock:
            self._closed = True
        drained = self.drain(timeout)
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put((9, next(self._order), 0.0, "stop", None))
        self._overflow.shutdown(wait=False, cancel_futures=True)
        stats = self.stats()
        log.info(
            "post-ack work drained" if drained else "post-ack work NOT drained in time",
            extra={"depth": stats.depth, "timeout_s": timeout},
        )
        return drained


def drain(timeout: float = 10.0) -> bool:
    """Wait for every live app's post-ack work (tests, benchmarks); False on timeout."""
    deadline = time.monotonic() + timeout
    return all(executor.drain(max(0.0, deadline - time.monotonic())) for executor in list(_live_executors))

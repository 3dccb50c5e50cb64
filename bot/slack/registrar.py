"""Registration that remembers what it registered, and schedules each listener for Slack's clocks.

Slack gives us two clocks: 3 s to ack a request, and 3 s from a click to ``views.open`` with its
``trigger_id``. Listeners run on the HTTP thread (``process_before_response=True``, see
``bot/slack/app.py``); the wrapper here acks and hands the work on, one of two ways:

- **Trigger-bound** work (the handler is marked :func:`opens_modal`) starts at once on a thread
  of its own, before the ack is even returned: it never waits behind other work.
- **Everything else** goes to the app's :class:`PostAckExecutor`: a fixed set of threads and a
  bounded queue whose depth and waits are logged and shown on ``/healthz``. When it is full the
  person is told at once that the bot is busy and handed back what they typed.

View submissions stay synchronous: their ack carries the answer (field errors, the next view), and
whatever they save is committed before that ack. ``/win`` with text does the same
(:func:`saves_before_ack`): a person told "saved" finds it saved even after kill -9.

Why hand-made rather than Bolt's ``lazy=[...]``: lazy functions share the listener pool, queue
without bound, deep-copy each request and report nothing, so a burst delays modals silently.
Measured with ``python -m bench.load_http`` (Slack answering in 0.3 s, 20 concurrent): with all
post-ack work on one 2-thread pool, 2-10 of 20 modals were late and /stage answers took 8.7 s at
p99; with this design 0 triggers expired and answers p99 0.35-0.7 s. Against a bare Bolt app making
the same Slack calls, our ack p99 was 1.3-2.4x in bursts of 20 while post-ack work (3-4 ms of CPU a
request on 2 cores, against the bare app's 1-1.5 ms) shared the GIL with the burst's acks; with Bolt
given one listener and one middleware per request, and work waiting for the burst's acks
(:class:`AcksInFlight`), it is 0.5-0.7x, and 0.14-0.17x at 50 requests/s.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import queue
import re
import threading
import time
import weakref
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, overload

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks.text import escape, truncate
from bot.services import inbox
from bot.slack.deps import deps_of
from bot.slack.errors import handle_listener_error, tell_user, typed_values

Handler = Callable[..., Any]
F = TypeVar("F", bound=Callable[..., Any])
Predicate = Callable[[dict[str, Any]], bool]
log = logging.getLogger(__name__)

POST_ACK_KEY = "stagecoach_post_ack"
REPLAY_KEY = "stagecoach_replay"
"""In a request's context when it is an unfinished request dispatched again (an :class:`inbox.Stale`)."""
RECEIVED_UTC_KEY = "stagecoach_received_utc"
"""In a request's context: when it was received and stored (the clock's instant; a replay's original one)."""
EVENT_CLAIMED_KEY = "stagecoach_event_claimed"
"""In a request's context once its event id is claimed (recorded with the request, before the ack)."""
URGENT_ATTR = "stagecoach_opens_modal"
DURABLE_ATTR = "stagecoach_saves_before_ack"
TRIGGER_THREADS = 64
"""Default size of the trigger-bound pool (build_app shares Bolt's listener pool)."""
SLOW_WAIT_SECONDS = 1.0
"""A post-ack job that waited longer than this is logged at WARNING (answers should come within ~1.5 s)."""
WAIT_WINDOW = 200
OVERFLOW_THREADS = 4
"""Threads for what must still happen when the queue is full (a "busy" answer, an acked event): few,
so a flood of refused requests cannot start a thread each."""
"""How many recent waits /healthz summarises (p50/max)."""

BUSY_TEXT = (
    ":hourglass: I'm swamped right now and couldn't take this on, so nothing was changed. Please try again in a minute."
)
GAVE_UP_TEXT = (
    ":warning: I was restarted while working on this and couldn't finish it, so it may not have been done. "
    "Please check and try again."
)
FAIR_SHARE_DIVISOR = 4
"""One person may hold at most a quarter of the post-ack workers (8 of 32) with queued or running work:
a flood of 400 DMs from one member then leaves 24 workers and the rest of the queue to everyone else
(before, it filled the queue and another member's /stage was answered "busy" in 4-5 of 5 runs)."""


def busy_text(body: dict[str, Any]) -> str:
    typed = typed_values(body)
    if not typed:
        return BUSY_TEXT
    echoed = "\n".join(f"> {escape(truncate(value, 1000))}" for value in typed)
    return f"{BUSY_TEXT}\nHere is what you typed, so you can paste it again:\n{echoed}"


class Saturated(Exception):
    """The post-ack queue is full (or the bot is shutting down); the caller must answer visibly."""


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


_live_executors: weakref.WeakSet[PostAckExecutor] = weakref.WeakSet()


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


class PostAckExecutor:
    """A fixed set of threads and a bounded queue for the work after acks; one per app.

    Not concurrent.futures.ThreadPoolExecutor: its queue has no bound, no way to refuse work, and
    no figure for how long work waited, which is the number that decides whether answers are late.
    Threads are started lazily and are daemons; :meth:`shutdown` drains them (bounded).
    """

    def __init__(
        self, workers: int, capacity: int, trigger_pool: ThreadPoolExecutor | None = None, name: str = "post-ack"
    ) -> None:
        self.workers = workers
        self.capacity = capacity
        self._trigger_pool = trigger_pool or ThreadPoolExecutor(TRIGGER_THREADS, thread_name_prefix="trigger-bound")
        self.trigger_capacity = self._trigger_pool._max_workers
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
        self.reserve(description, background=background)(work)

    def reserve(
        self, description: str, *, background: bool = False, owner: str | None = None
    ) -> Callable[[Callable[[], None]], None]:
        """Take a place in the queue (or raise :class:`Saturated`); call the result with the work to queue it.

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
        queued_at, priority = time.monotonic(), 1 if background else 0

        def start(work: Callable[[], None]) -> None:
            if owner is None:
                self._queue.put((priority, next(self._order), queued_at, description, work))
                return

            def owned() -> None:
                try:
                    work()
                finally:
                    self._owner_done(owner)

            with self._lock:
                self._ready[(owner, ticket)] = (priority, next(self._order), queued_at, description, owned)
                item = self._next_of(owner)
            if item is not None:
                self._queue.put(item)

        return start

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

        self._trigger_pool.submit(run)

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


def post_ack_of(context: BoltContext) -> PostAckExecutor:
    executor = context[POST_ACK_KEY]
    assert isinstance(executor, PostAckExecutor)
    return executor


def run_later(context: BoltContext, description: str, work: Callable[[], object], *, background: bool = False) -> bool:
    """Queue work that need not hold up the ack (a Home to republish); False (and logged) when saturated.

    ``background``: nobody waits for it (a profile lookup); it yields to answers (see ``submit``).
    """

    def run() -> None:
        work()

    try:
        post_ack_of(context).submit(description, run, background=background)
    except Saturated:
        return False
    return True


@overload
def opens_modal(handler: F) -> F: ...
@overload
def opens_modal(*, when: Predicate) -> Callable[[F], F]: ...
def opens_modal(handler: F | None = None, *, when: Predicate | None = None) -> F | Callable[[F], F]:
    """Mark a listener whose work is bound to its trigger_id (``views.open``): it runs at once after the ack.

    ``when`` narrows it to some requests (``/win`` opens a modal only when it has no text).
    """

    def mark(function: F) -> F:
        setattr(function, URGENT_ATTR, when or (lambda body: True))
        return function

    return mark(handler) if handler is not None else mark


def tell_busy(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Answer a request we could not take on: where the person acted, with what they typed."""
    tell_user(body, context, client, busy_text(body), "the bot is busy")


@overload
def saves_before_ack(handler: F) -> F: ...
@overload
def saves_before_ack(*, when: Predicate) -> Callable[[F], F]: ...
def saves_before_ack(handler: F | None = None, *, when: Predicate | None = None) -> F | Callable[[F], F]:
    """Mark a listener that commits what it was sent before it acks (like a view submission).

    It runs on the Bolt thread with the real ``ack``; it must ack itself, within Slack's 3 s, and
    queue the rest with :func:`run_later`. A crash then never loses a request that was acked.
    """

    def mark(function: F) -> F:
        setattr(function, DURABLE_ATTR, when or (lambda body: True))
        return function

    return mark(handler) if handler is not None else mark


# What the deferred wrapper itself needs from Bolt, on top of the handler's own arguments.
_WRAPPER_ARGS = ("ack", "body", "context", "client")

Resolver = Callable[[BoltContext], Any]
"""Computes an argument Bolt does not know (``deps``, ``member_id``) from the request's context."""


def _bolt_signature(handler: Handler, resolvers: dict[str, Resolver], extra: tuple[str, ...]) -> inspect.Signature:
    """The signature Bolt reads to inject arguments: the handler's own, less what we resolve, plus ``extra``."""
    own = inspect.signature(handler)
    params = [param for name, param in own.parameters.items() if name not in resolvers]
    params += [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in extra
        if name not in own.parameters and name not in resolvers
    ]
    if "context" not in [param.name for param in params]:
        params.append(inspect.Parameter("context", inspect.Parameter.POSITIONAL_OR_KEYWORD))
    return own.replace(parameters=params)


def _resolved(handler_args: list[str], resolvers: dict[str, Resolver], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The handler's arguments: Bolt's, and ours resolved now (after the ack, for what needs the database)."""
    context = kwargs["context"]
    return {
        name: resolvers[name](context) if name in resolvers else kwargs[name]
        for name in handler_args
        if name in resolvers or name in kwargs
    }


def injecting(handler: Handler, resolvers: dict[str, Resolver]) -> Handler:
    """A synchronous listener (a view submission) given our arguments as well as Bolt's."""
    wanted = list(inspect.signature(handler).parameters)
    ours = {name: resolve for name, resolve in resolvers.items() if name in wanted}
    if not ours:
        return handler

    def call_with_ours(**kwargs: Any) -> Any:
        return handler(**_resolved(wanted, ours, kwargs))

    call_with_ours.__signature__ = _bolt_signature(handler, ours, ())  # type: ignore[attr-defined]
    call_with_ours.__name__ = call_with_ours.__qualname__ = handler.__name__
    call_with_ours.__doc__ = handler.__doc__
    return call_with_ours


def _already_acked(*args: Any, **kwargs: Any) -> None:
    if args or kwargs:
        raise RuntimeError("a deferred listener was acked already; answer with respond() or the client")


def _owner(context: BoltContext) -> str | None:
    """Whose share of the post-ack queue a request uses: the acting person, when there is one."""
    if not context.user_id:
        return None
    return f"{context.team_id or context.enterprise_id or ''}:{context.user_id}"


def _record(kind: str, body: dict[str, Any], context: BoltContext) -> inbox.Recorded:
    """Store the verified request before its ack (:mod:`bot.services.inbox`): a crash cannot lose it."""
    deps = deps_of(context)
    event_id = body.get("event_id") if kind == "event" else None
    now = deps.clock()
    context[RECEIVED_UTC_KEY] = now
    recorded = inbox.record(
        deps.db,
        kind=kind,
        body=body,
        team_id=context.team_id,
        user_id=context.user_id,
        event_id=str(event_id) if event_id else None,
        now=now,
        lease=timedelta(seconds=deps.settings.stagecoach_inbox_lease_seconds),
    )
    if event_id and not recorded.duplicate:
        context[EVENT_CLAIMED_KEY] = True
    return recorded


RECORD_BUDGET_SECONDS = 0.25
"""How long recording a request may hold its ack on PostgreSQL. An insert takes 1-2 ms; only a slow network
or server exceeds this, and then the ack goes out first and the job waits for the recording (durable
from when it lands, not before). bench.load_http's run 2 (every round trip 2.5 s) wants every ack under
1 s: with a 2 s budget its acks took 2.0 s at p50 and 4.0 s at p99, with 0.5 s 0.53 s and 1.14 s."""
_recorders = ThreadPoolExecutor(8, thread_name_prefix="inbox-record")


def _record_in_time(
    kind: str, body: dict[str, Any], context: BoltContext
) -> inbox.Recorded | Future[inbox.Recorded] | None:
    """:func:`_record`, bounded: its result, its future when it outran the budget, None when it failed.

    SQLite records on the request's own thread: a local file, 0.1-0.5 ms a commit, where handing the
    insert to another thread and back cost the acks more than the insert (bench.load_http, bursts of 20
    /stage: ack p99 1.66-2.65x the bare app's with the hand-off, 1.14-1.28x without, two runs each;
    main before the inbox 1.24x).
    PostgreSQL is a network round trip a slow network can stretch past Slack's 3 s, so it is bounded.
    """
    try:
        if deps_of(context).db.backend == "sqlite":
            return _record(kind, body, context)
        future = _recorders.submit(_record, kind, body, context)
        try:
            return future.result(timeout=RECORD_BUDGET_SECONDS)
        except FutureTimeout:
            log.warning("recording a request outran the ack budget: acking first", extra={"kind": kind})
            return future
    except Exception:
        # Not stored: the request is still answered (as before the inbox), only not crash-proof.
        log.exception("could not record a request before its ack", extra={"kind": kind})
        return None


def _late_id(late: Future[inbox.Recorded]) -> int | None:
    try:
        return late.result().inbox_id
    except Exception:
        log.exception("could not record a request after its ack")
        return None


def _finish_if(context: BoltContext, inbox_id: int | None, executor: PostAckExecutor) -> None:
    if inbox_id is not None:
        _finish(context, inbox_id, executor)


def _finish(context: BoltContext, inbox_id: int, executor: PostAckExecutor) -> None:
    try:
        inbox.finish(deps_of(context).db, inbox_id)
    except Exception:
        # The row stays: the request is dispatched again after its lease (at worst done twice).
        log.exception("could not mark a request done", extra={"inbox_id": inbox_id})
    finally:
        executor.release(inbox_id)


def deferred(
    handler: Handler,
    executor: PostAckExecutor,
    *,
    event: bool = False,
    resolvers: dict[str, Resolver] | None = None,
    kind: str = "other",
) -> Handler:
    """Bolt calls the returned function: it records the request, acks, then runs ``handler`` now
    (trigger-bound) or queues it.

    ``resolvers`` compute the handler's arguments Bolt does not know (``deps``, ``member_id``), when
    the handler runs: after the ack, except for :func:`saves_before_ack` work.

    Work queued after the ack is recorded in the request inbox first (:mod:`bot.services.inbox`) and
    done with the first transaction the handler commits: one mechanism for every kind, so whatever was
    acknowledged survives kill -9 (dispatched again by :mod:`bot.slack.resume`). Not recorded: what
    saves before its ack (already durable) and what only opens a modal (its trigger_id lives 3 s, so a
    replay could not open it; it changes nothing until its form is submitted, synchronously).
    """
    wanted = list(inspect.signature(handler).parameters)
    ours = {name: resolve for name, resolve in (resolvers or {}).items() if name in wanted}
    urgent: Callable[[dict[str, Any]], bool] | None = getattr(handler, URGENT_ATTR, None)
    durable: Callable[[dict[str, Any]], bool] | None = getattr(handler, DURABLE_ATTR, None)

    def report(error: Exception, kwargs: dict[str, Any]) -> None:
        try:
            handle_listener_error(error, kwargs["body"], kwargs["context"], kwargs["client"])
        except Exception:
            # Nothing reads this job's outcome: this line is the only trace it would leave.
            log.exception("reporting a listener failure failed", extra={"listener": handler.__name__})

    def run(kwargs: dict[str, Any], inbox_id: int | None = None) -> None:
        pending: list[Any] = [None]
        try:
            if kind == "action" and executor.taps.superseded(kwargs["body"], kwargs["context"]):
                log.info("dropping a tap older than one already applied", extra={"listener": handler.__name__})
                return
            # Resolved first: enrolling the actor is not the change asked for (see acting_member_id).
            arguments = _resolved(wanted, ours, kwargs)
            riding: AbstractContextManager[list[Any]] = (
                inbox.done_with_next_commit(inbox_id) if inbox_id is not None else nullcontext([None])
            )
            with riding as pending:
                handler(**arguments)
        except Exception as error:
            report(error, kwargs)
        finally:
            if inbox_id is not None:
                if pending:  # no transaction took the row with it (a read-only answer, a failure)
                    _finish(kwargs["context"], inbox_id, executor)
                else:
                    executor.release(inbox_id)

    def give_up(kwargs: dict[str, Any], inbox_id: int) -> None:
        body, context = kwargs["body"], kwargs["context"]
        log.error(
            "gave up an unfinished request after a restart",
            extra={"listener": handler.__name__, "inbox_id": inbox_id, "team": context.team_id},
        )
        if body.get("response_url") or context.user_id:  # a DM's sender too; an uninstall has nobody to tell
            tell_user(body, context, kwargs["client"], GAVE_UP_TEXT, "a request was given up")
        _finish(context, inbox_id, executor)

    def ack_then_run(**kwargs: Any) -> None:
        ack, body, context = kwargs.get("ack"), kwargs["body"], kwargs["context"]
        if durable is not None and durable(body):
            # Failures go to Bolt's error handler, whose answer stands in for the ack.
            executor.run_trigger_bound(handler.__name__, lambda: handler(**_resolved(wanted, ours, kwargs)))
            return
        kwargs["ack"] = _already_acked
        replay: inbox.Stale | None = context.get(REPLAY_KEY)
        bound = urgent is not None and urgent(body)
        inbox_id: int | None = None
        late: Future[inbox.Recorded] | None = None
        if replay is not None:
            inbox_id = replay.inbox_id
            context[EVENT_CLAIMED_KEY] = True
            context[RECEIVED_UTC_KEY] = replay.received_at
            if replay.give_up:
                executor.overflow("gave up", lambda: give_up(kwargs, replay.inbox_id))
                return
        elif not bound:
            outcome = _record_in_time(kind, body, context)
            if isinstance(outcome, Future):
                late = outcome
            elif outcome is not None:
                if outcome.duplicate:
                    log.info(
                        "dropping a retried event", extra={"event_id": body.get("event_id"), "team": context.team_id}
                    )
                    if ack is not None:
                        ack()
                    return
                inbox_id = outcome.inbox_id
        if inbox_id is not None:
            executor.hold(inbox_id)

        def stored_id() -> int | None:
            """The request's inbox id, waiting for a recording that outran the ack's budget."""
            return inbox_id if late is None else _late_id(late)

        try:
            if bound:
                # Started before the ack is returned, on a thread of its own: the modal opens
                # while the ack is still on its way back to Slack.
                executor.start_trigger_bound(handler.__name__, lambda: run(kwargs))
                start = None
            else:
                # A place in the queue is taken before the ack, so a refused command hears why in its ack.
                start = executor.reserve(handler.__name__, owner=_owner(context))
        except Saturated:
            if (inbox_id is not None or late is not None) and (event or replay is not None):
                # Stored: it is dispatched again once its lease lapses, when the queue (or this
                # person's share of it) has room. Slack will not resend an event we acked.
                if inbox_id is not None:
                    executor.release(inbox_id)
                if replay is not None:
                    postponed = replay.inbox_id
                    executor.overflow("postpone", lambda: inbox.postpone(deps_of(context).db, postponed))
                if ack is not None:
                    ack()
                return
            if body.get("command") and ack is not None:
                ack(text=busy_text(body), response_type="ephemeral")
                if inbox_id is not None or late is not None:
                    executor.overflow("busy command", lambda: _finish_if(context, stored_id(), executor))
                return
            if ack is not None:
                ack()

            def tell() -> None:
                tell_busy(body, context, kwargs["client"])
                _finish_if(context, stored_id(), executor)

            executor.overflow("busy answer", tell)
            return
        if ack is not None:
            ack()
        if start is None:
            return
        if late is None:
            start(lambda: run(kwargs, inbox_id))
            return

        def run_once_recorded() -> None:
            recorded_id = _late_id(late)
            if recorded_id is None and late.exception() is None and late.result().duplicate:
                return  # a retried event, found so once the recording finished
            if recorded_id is not None:
                executor.hold(recorded_id)
            run(kwargs, recorded_id)

        start(run_once_recorded)

    # Bolt injects arguments by the names getfullargspec() reports, after inspect.unwrap(): so no
    # functools.wraps (its __wrapped__ would lead Bolt to the handler's own, narrower signature).
    ack_then_run.__signature__ = _bolt_signature(handler, ours, _WRAPPER_ARGS)  # type: ignore[attr-defined]
    ack_then_run.__name__ = ack_then_run.__qualname__ = handler.__name__
    ack_then_run.__doc__ = handler.__doc__
    return ack_then_run


def _kind_signature(handlers: list[Handler]) -> inspect.Signature:
    """Every argument any of ``handlers`` asks Bolt for (Bolt builds each once per request)."""
    names = dict.fromkeys(["body"])
    for handler in handlers:
        names.update(dict.fromkeys(inspect.signature(handler).parameters))
    return inspect.Signature([inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])


def routed(kind: str, table: dict[str, Handler], key: Callable[[dict[str, Any]], str]) -> Handler:
    """One Bolt listener for a kind: it finds the request's handler by id (``key``) in ``table``."""
    wanted = {request_id: list(inspect.signature(handler).parameters) for request_id, handler in table.items()}

    def route(**kwargs: Any) -> Any:
        request_id = key(kwargs["body"])
        return table[request_id](**{name: kwargs[name] for name in wanted[request_id]})

    route.__signature__ = _kind_signature(list(table.values()))  # type: ignore[attr-defined]
    route.__name__ = route.__qualname__ = f"route_{kind}"
    return route


def _exactly(ids: list[str]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(request_id) for request_id in ids) + ")$")


class Registrar:
    """Registers listeners by kind, remembering the ids (the manifest test compares them).

    ``resolvers`` name the arguments listeners get besides Bolt's (``deps``, ``member_id``).

    Bolt is given one listener per kind (:meth:`finish`), which finds the handler by its id in a dict.
    Why not one Bolt listener per id: Bolt tries its listeners in turn, and each try builds that
    matcher's arguments (``build_required_kwargs``); with our 40-odd listeners that was 14 tries and 19
    argument builds per request on the ack path, 44% of ``App.dispatch`` (yappi, 880 requests of
    ``bench.load_http``). Bolt still matches each kind on exactly the registered ids (an anchored
    pattern), so an unknown id is unhandled, as before.
    """

    def __init__(self, app: App, post_ack: PostAckExecutor, resolvers: dict[str, Resolver] | None = None) -> None:
        self.app = app
        self.post_ack = post_ack
        self.resolvers = resolvers or {}
        self._tables: dict[str, dict[str, Handler]] = {kind: {} for kind in _KEYS}
        self._subscriptions: dict[str, str] = {}

    @property
    def commands(self) -> list[str]:
        return list(self._tables["command"])

    @property
    def actions(self) -> list[str]:
        return list(self._tables["action"])

    @property
    def views(self) -> list[str]:
        return list(self._tables["view"])

    @property
    def shortcuts(self) -> list[str]:
        return list(self._tables["shortcut"])

    @property
    def events(self) -> list[str]:
        """As the manifest names them ("message.im" for Bolt's "message")."""
        return [self._subscriptions.get(event_type, event_type) for event_type in self._tables["event"]]

    def drain(self, timeout: float = 10.0) -> bool:
        return self.post_ack.drain(timeout)

    def _add(self, kind: str, request_id: str, handler: Handler) -> None:
        if request_id in self._tables[kind]:
            raise ValueError(f"{kind} {request_id!r} is registered twice")
        self._tables[kind][request_id] = handler

    def command(self, name: str, handler: Handler) -> None:
        self._add("command", name, deferred(handler, self.post_ack, resolvers=self.resolvers, kind="command"))

    def action(self, action_id: str, handler: Handler) -> None:
        self._add("action", action_id, deferred(handler, self.post_ack, resolvers=self.resolvers, kind="action"))

    def view(self, callback_id: str, handler: Handler) -> None:
        """Synchronous: the handler validates and answers through its own ``ack(...)``."""
        self._add("view", callback_id, injecting(handler, self.resolvers))

    def shortcut(self, callback_id: str, handler: Handler) -> None:
        self._add("shortcut", callback_id, deferred(handler, self.post_ack, resolvers=self.resolvers, kind="shortcut"))

    def event(self, event_type: str, handler: Handler, subscription: str | None = None) -> None:
        """``subscription`` is the manifest's name when it differs from Bolt's type ("message.im")."""
        if subscription:
            self._subscriptions[event_type] = subscription
        self._add(
            "event",
            event_type,
            deferred(handler, self.post_ack, event=True, resolvers=self.resolvers, kind="event"),
        )

    def finish(self) -> None:
        """Hand Bolt one listener per kind, after every handler was registered."""
        register = {
            "command": self.app.command,
            "action": self.app.action,
            "view": self.app.view,
            "shortcut": self.app.shortcut,
            "event": self.app.event,
        }
        for kind, table in self._tables.items():
            if table:
                register[kind](_exactly(list(table)))(routed(kind, table, _KEYS[kind]))


_KEYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "command": lambda body: str(body["command"]),
    # Bolt's action matcher also takes legacy attachment actions by callback_id (we post none).
    "action": lambda body: str(body["actions"][0].get("action_id") or body.get("callback_id")),
    "view": lambda body: str(body["view"]["callback_id"]),
    "shortcut": lambda body: str(body["callback_id"]),
    "event": lambda body: str(body["event"]["type"]),
}
"""Where each kind's id is in the request body: what Bolt's own matchers read."""

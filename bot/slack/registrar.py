"""Registration that remembers what it registered, and keeps acks ahead of the work after them.

Commands, actions, shortcuts and events are *deferred*: the function Bolt runs acks at once and
hands the handler to a small pool of post-ack workers, so Bolt's own threads are free for the
next request's ack straight away. Measured before this (handlers acking, then working on Bolt's
pool): at 20 concurrent requests our acks took 4-8x as long as a bare app's, because a backlog
of post-ack work held every Bolt worker and dozens of threads shared one interpreter.

View submissions stay synchronous: their ack carries the answer (field errors, the next view).
A deferred handler still calls ``ack()`` first, as in any Bolt app; here that call does nothing
(the ack was sent), and calling it with a payload is a bug that raises.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App

from bot.slack.errors import handle_listener_error

Handler = Callable[..., Any]
log = logging.getLogger(__name__)

POST_ACK_WORKERS = 2
"""The default (setting STAGECOACH_POST_ACK_WORKERS). Measured with bench.load_http at 20 concurrent
requests: 2 kept acks nearest a bare app's (1 and 4 were slower, 16 took ~3.5x), but while the database
or Web API is slow (2.5 s a call) so few workers answer slowly; raise it where that matters more."""
post_ack_pool = ThreadPoolExecutor(POST_ACK_WORKERS, thread_name_prefix="post-ack")


def configure_post_ack_workers(workers: int) -> None:
    """Size the post-ack pool (build_app calls this with the setting); queued work keeps its pool."""
    global post_ack_pool
    if workers != post_ack_pool._max_workers:
        post_ack_pool = ThreadPoolExecutor(workers, thread_name_prefix="post-ack")


_in_flight = 0
_queued = 0
"""Of ``_in_flight``: acked and waiting for a worker (the metric stagecoach_post_ack_queue_depth)."""
_in_flight_lock = threading.Lock()


def _count(delta: int, queued: int = 0) -> None:
    global _in_flight, _queued
    with _in_flight_lock:
        _in_flight += delta
        _queued += queued


def queued_post_ack_work() -> float:
    """How many acked requests wait for a post-ack worker now (read by the metrics at each scrape)."""
    return float(_queued)


def drain(timeout: float = 10.0) -> bool:
    """Wait until no post-ack work is queued or running (shutdown, tests); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _in_flight_lock:
            if _in_flight == 0:
                return True
        time.sleep(0.01)
    return False


def run_later(description: str, work: Callable[[], None]) -> None:
    """Queue work that need not hold up anything (a profile lookup) on the post-ack pool; failures are logged."""

    def run() -> None:
        _count(0, queued=-1)
        try:
            work()
        except Exception:
            log.exception("post-ack work failed: %s", description)
        finally:
            _count(-1)

    _count(+1, queued=+1)
    post_ack_pool.submit(run)


# What the deferred wrapper itself needs from Bolt, on top of the handler's own arguments.
_WRAPPER_ARGS = ("ack", "body", "context", "client")


def _already_acked(*args: Any, **kwargs: Any) -> None:
    if args or kwargs:
        raise RuntimeError("a deferred listener was acked already; answer with respond() or the client")


def deferred(handler: Handler) -> Handler:
    """Bolt calls the returned function: it acks, queues ``handler`` on the post-ack pool, returns."""
    own = inspect.signature(handler)
    wanted = list(own.parameters)
    params = list(own.parameters.values()) + [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in _WRAPPER_ARGS if name not in wanted
    ]

    def run(kwargs: dict[str, Any]) -> None:
        _count(0, queued=-1)
        try:
            handler(**{name: value for name, value in kwargs.items() if name in wanted})
        except Exception as error:
            try:
                handle_listener_error(error, kwargs["body"], kwargs["context"], kwargs["client"])
            except Exception:
                # A future's exception is never read: this line is the only trace it would leave.
                log.exception("reporting a listener failure failed", extra={"listener": handler.__name__})
        finally:
            _count(-1)

    def ack_then_defer(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        if ack is not None:
            ack()
        kwargs["ack"] = _already_acked
        _count(+1, queued=+1)
        post_ack_pool.submit(run, kwargs)

    # Bolt injects arguments by the names getfullargspec() reports, after inspect.unwrap(): so no
    # functools.wraps (its __wrapped__ would lead Bolt to the handler's own, narrower signature).
    ack_then_defer.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    ack_then_defer.__name__ = ack_then_defer.__qualname__ = handler.__name__
    ack_then_defer.__doc__ = handler.__doc__
    return ack_then_defer


class Registrar:
    def __init__(self, app: App) -> None:
        self.app = app
        self.commands: list[str] = []
        self.actions: list[str] = []
        self.views: list[str] = []
        self.shortcuts: list[str] = []
        self.events: list[str] = []

    def command(self, name: str, handler: Handler) -> None:
        self.commands.append(name)
        self.app.command(name)(deferred(handler))

    def action(self, action_id: str, handler: Handler) -> None:
        self.actions.append(action_id)
        self.app.action(action_id)(deferred(handler))

    def view(self, callback_id: str, handler: Handler) -> None:
        """Synchronous: the handler validates and answers through its own ``ack(...)``."""
        self.views.append(callback_id)
        self.app.view(callback_id)(handler)

    def shortcut(self, callback_id: str, handler: Handler) -> None:
        self.shortcuts.append(callback_id)
        self.app.shortcut(callback_id)(deferred(handler))

    def event(self, event_type: str, handler: Handler, subscription: str | None = None) -> None:
        """``subscription`` is the manifest's name when it differs from Bolt's type ("message.im")."""
        self.events.append(subscription or event_type)
        self.app.event(event_type)(deferred(handler))

"""A place in the post-ack queue, taken before the ack and either started or given back.

The registrar reserves a place before it acks (so a refused command hears why in its ack) and hands
the work over after the ack; :class:`Reservation` guarantees the place is given back when the ack fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.slack.executor import PostAckExecutor


class Saturated(Exception):
    """The post-ack queue is full (or the bot is shutting down); the caller must answer visibly."""


class Reservation:
    """A place taken in the post-ack queue before an ack: :meth:`start` hands the work over after it.

    Used as a context manager around the ack: when the ack raises (a broken connection, a Bolt error)
    the place is given back, with the owner's share (a quarter of the workers) and their turn; before,
    the place leaked, and four such failures for one person refused all their later work as "busy".
    """

    def __init__(self, executor: PostAckExecutor, description: str, priority: int, owner: str | None, ticket: int):
        self._executor = executor
        self.description = description
        self.priority = priority
        self.owner = owner
        self.ticket = ticket
        self.queued_at = time.monotonic()
        self._used = False
        self._lock = threading.Lock()

    def _take(self) -> bool:
        with self._lock:
            used, self._used = self._used, True
        return not used

    def start(self, work: Callable[[], None]) -> None:
        """Queue ``work`` in this place (once)."""
        if not self._take():
            raise RuntimeError(f"reservation {self.description!r} was started or cancelled already")
        self._executor._start(self, work)

    def cancel(self) -> None:
        """Give the place back unless it was started; safe to call twice."""
        if self._take():
            self._executor._cancel(self)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: object) -> None:
        if kind is not None:
            self.cancel()

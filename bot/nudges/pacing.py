"""Evenly spaced sends per workspace, and 429s that pause every worker of that workspace."""

from __future__ import annotations

import threading
import time

from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse

from bot.nudges.slack_errors import retry_after_seconds

RATE_LIMIT_RETRIES = 3


class Pacer:
    """Send slots for one workspace, shared by its workers; pausable on 429. Up to ``catch_up`` missed slots
    may still be used back to back (a token bucket of that size): a worker held up for a few milliseconds
    does not cost throughput, and no burst is ever larger."""

    def __init__(self, per_second: float, catch_up: int = 1) -> None:
        self._interval = 1.0 / per_second
        self._max_lag = catch_up * self._interval
        self._next = time.monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.pauses = 0

    def acquire(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, self._paused_until, now - self._max_lag)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self.pauses += 1
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class PacedRateLimitRetryHandler(RetryHandler):
    """On 429: pause the workspace's pacer for Retry-After (every worker waits), then retry in a slot."""

    def __init__(self, pacer: Pacer) -> None:
        super().__init__(max_retry_count=RATE_LIMIT_RETRIES)
        self._pacer = pacer

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self._pacer.pause(retry_after_seconds(response.headers if response is not None else None))
        state.next_attempt_requested = True
        state.increment_current_attempt()
        self._pacer.acquire()

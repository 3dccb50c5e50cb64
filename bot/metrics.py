"""The bot's own Prometheus metrics (``GET /metrics``), one registry per app.

Every :class:`Metrics` owns a :class:`prometheus_client.CollectorRegistry`: a process may build several
apps (the tests do), and metrics registered on the library's global registry would collide. The
recording methods are the only hooks the rest of the bot calls (``observe_ack``, ``observe_answer``,
``nudges``, ``slack_error``...), so what is measured where stays easy to find.

Kinds of request: ``command``, ``action``, ``view``, ``shortcut``, ``event`` and ``other`` (URL
verification, options loads, anything Bolt would not route).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

REQUEST_KINDS = ("command", "action", "view", "shortcut", "event", "other")

# Slack's deadline for an ack is 3 s; the buckets resolve the range below it finely and say how far over.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
# An answer (a modal, a DM, a response_url reply) must come within the 3 s trigger window for modals;
# other answers may take longer while the database or Web API is slow.
ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
# A tick is usually well under a second; a large fan-out runs up to the scheduler's 50 s budget.
TICK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "stagecoach_requests", "Requests Slack sent to POST /slack/events (or over Socket Mode)", ["kind"],
            registry=registry,
        )  # fmt: skip
        self.ack_seconds = Histogram(
            "stagecoach_ack_seconds",
            "From a request's arrival to its ack (the HTTP response), HTTP mode",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.answer_seconds = Histogram(
            "stagecoach_answer_seconds",
            "From a request's arrival to the first Web API call that answered the user "
            "(views.open/push/update/publish, chat.postMessage/postEphemeral/update, or a response_url reply)",
            ["kind"],
            buckets=ANSWER_BUCKETS,
            registry=registry,
        )
        self.post_ack_queue = Gauge(
            "stagecoach_post_ack_queue_depth",
            "Listener work acked and waiting for a post-ack worker",
            registry=registry,
        )
        self.nudges_planned = Counter(
            "stagecoach_nudges_planned", "Nudges newly planned into the ledger, by kind", ["kind"], registry=registry
        )
        self.nudge_outcomes = Counter(
            "stagecoach_nudges",
            "Nudge delivery outcomes by kind: sent, failed (for good), retried (left for a later attempt), skipped",
            ["kind", "outcome"],
            registry=registry,
        )
        self.slack_errors = Counter(
            "stagecoach_slack_errors",
            "Web API calls Slack refused (ok: false, or HTTP errors after retries), by method and error",
            ["method", "error"],
            registry=registry,
        )
        self.slack_rate_limited = Counter(
            "stagecoach_slack_rate_limited",
            "HTTP 429 answers from the Web API, by method (each is waited out per Retry-After)",
            ["method"],
            registry=registry,
        )
        self.tick_seconds = Histogram(
            "stagecoach_tick_seconds", "Duration of one scheduler tick (plan, deliver, housekeeping)",
            buckets=TICK_BUCKETS, registry=registry,
        )  # fmt: skip
        for kind in REQUEST_KINDS:
            self.requests.labels(kind)  # present at 0 from the start, so rate() and alerts see every kind

    # -- hooks ---------------------------------------------------------------------------------

    def observe_request(self, kind: str) -> None:
        self.requests.labels(kind).inc()

    def observe_ack(self, kind: str, seconds: float) -> None:
        self.ack_seconds.labels(kind).observe(seconds)

    def observe_answer(self, kind: str, seconds: float) -> None:
        self.answer_seconds.labels(kind).observe(seconds)

    def watch_post_ack_queue(self, depth: Callable[[], float]) -> None:
        """The gauge reads ``depth()`` at each scrape (the executor owns the number)."""
        self.post_ack_queue.set_function(depth)

    def nudges_planned_by_kind(self, planned: dict[str, int]) -> None:
        for kind, count in planned.items():
            self.nudges_planned.labels(kind).inc(count)

    def nudge_outcome(self, kind: str, outcome: str, count: int = 1) -> None:
        self.nudge_outcomes.labels(kind, outcome).inc(count)

    def slack_error(self, method: str, error: str) -> None:
        self.slack_errors.labels(method, error).inc()

    def slack_429(self, method: str) -> None:
        self.slack_rate_limited.labels(method).inc()

    def observe_tick(self, seconds: float) -> None:
        self.tick_seconds.observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class AnswerTimer:
    """One request's clock: the first answering Web API call (any thread) records the answer latency."""

    def __init__(self, metrics: Metrics, kind: str, received_at: float) -> None:
        self.metrics = metrics
        self.kind = kind
        self.received_at = received_at
        self._answered = False
        self._lock = threading.Lock()

    def answered(self) -> None:
        with self._lock:
            if self._answered:
                return
            self._answered = True
        self.metrics.observe_answer(self.kind, time.perf_counter() - self.received_at)

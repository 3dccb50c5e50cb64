"""One delivery loop for every nudge kind: claim a due ledger row, render it, post it, record it.

- **Exactly once.** Each worker claims one row (a lease; :func:`bot.nudges.ledger.claim`) right
  before sending and records the outcome in its own transaction right after; threads, processes
  and replicas can run this loop on one database. A row claimed while still ``sending`` (a crash,
  a 5xx, a dropped connection) is reconciled first (:mod:`bot.nudges.reconcile`); a channel message
  cannot be checked, so it is sent at most once: an interrupted page is failed, never re-posted.
- **Rate limits.** Sends are paced per workspace (:mod:`bot.nudges.pacing`); a 429 pauses every
  worker of that workspace for ``Retry-After`` and the request is retried (bounded), then left for later.
- **Failures** (:mod:`bot.nudges.slack_errors`). 5xx and connection errors retry with exponential
  backoff, at most ``max_attempts`` times. Permanent refusals fail the row and, for a user recipient,
  stop nudging that member. A workspace whose token is refused waits an hour, rows kept.
- **No per-user lookups.** Messages go to the user ID (Slack opens the DM); ``conversations.open``
  is used only when reconciling a row whose DM channel is not known yet.

Tuning: ``STAGECOACH_SEND_RATE``, ``STAGECOACH_SEND_WORKERS``, ``STAGECOACH_DELIVERY_LEASE_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db.models import Workspace
from bot.deps import Deps
from bot.nudges import ledger, registry
from bot.nudges.pacing import PacedRateLimitRetryHandler, Pacer
from bot.nudges.reconcile import Found, Unknown, known_channel, metadata, reconcile
from bot.nudges.slack_errors import MESSAGE_ERRORS, RECIPIENT_ERRORS, WORKSPACE_ERRORS, retry_after_seconds, slack_error
from bot.nudges.types import Defer, DeliveryRow, Message, NudgeType, RenderContext, Skip
from bot.settings import Settings
from bot.webapi.client import make_web_client
from bot.webapi.profiles import is_user_id
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

WORKSPACE_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class DeliveryOptions:
    workers: int
    rate_per_second: float
    """Per workspace. Slack allows roughly one message per second per conversation with bursts and a
    workspace-wide ceiling it does not publish; 429s (honoured) tell us when we exceed it."""
    lease: timedelta
    """Covers one send: the 10 s HTTP timeout plus a few Retry-After waits."""
    budget_seconds: float | None = None
    """Stop claiming new rows after this long (the in-process scheduler uses ~50 s so a big fan-out
    yields to the next tick, which plans fresh stuck nudges and sends them first). None: until done."""
    max_attempts: int = 8
    """Attempts per row (429s and holds do not count); with the backoff below about an hour."""
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(minutes=30)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DeliveryOptions:
        lease = timedelta(seconds=settings.stagecoach_delivery_lease_seconds)
        options = cls(settings.stagecoach_send_workers, settings.stagecoach_send_rate, lease)
        return replace(options, **overrides)

    def backoff(self, attempts: int) -> timedelta:
        delay: timedelta = self.backoff_base * (2 ** max(0, attempts - 1))
        return min(delay, self.backoff_cap)


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry_later: int = 0
    held: int = 0
    """Put off by the renderer (away, paused, quiet hours): due again later, not an attempt."""
    rate_limited: int = 0
    """429s Slack answered (each paused the workspace's sends for Retry-After)."""
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    """The same counts per nudge kind (the tick reports them as metrics)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str, outcome: str) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            of_kind = self.by_kind.setdefault(kind, {})
            of_kind[outcome] = of_kind.get(outcome, 0) + 1


@dataclass
class _Sender:
    """One workspace's clients and pacer for this tick, or why its rows are skipped."""

    skip_reason: str | None = None
    client: WebClient | None = None
    lookup: WebClient | None = None
    pacer: Pacer | None = None
    dead: bool = False


Record = Callable[[Session], object]
"""An outcome to write: one ledger call (with the row and owner already bound)."""
_RENDER_FAILED = Skip("render failed")


def worker_identity() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Delivery:
    """Sends every due ledger row, whatever its kind. One instance per tick."""

    def __init__(self, deps: Deps, tokens: TokenSource, clock: Callable[[], datetime], options: DeliveryOptions):
        self.deps, self.tokens, self.clock, self.options = deps, tokens, clock, options
        self.owner = worker_identity()
        self.report = DeliveryReport()
        self._types = registry.by_kind()
        self._senders: dict[int, _Sender] = {}
        self._senders_lock = threading.Lock()
        self._local = threading.local()
        self._deadline = None if options.budget_seconds is None else time.monotonic() + options.budget_seconds

    def run(self) -> DeliveryReport:
        first = self._claim()
        if first is not None:
            with ThreadPoolExecutor(self.options.workers, thread_name_prefix="stagecoach-send") as pool:
                futures = [pool.submit(self._worker, first if i == 0 else None) for i in range(self.options.workers)]
                for future in futures:
                    future.result()
        self.report.rate_limited = sum(s.pacer.pauses for s in self._senders.values() if s.pacer is not None)
        return self.report

    def _worker(self, claimed: tuple[DeliveryRow, Message | Skip | Defer | None] | None) -> None:
        self._local.worker = True
        try:
            while claimed is not None or (self._deadline is None or time.monotonic() < self._deadline):
                claimed = claimed or self._claim()
                if claimed is None:
                    break
                row, rendered = claimed
                claimed = None
                try:
                    self._deliver(row, rendered)
                except Exception:
                    # The row keeps its lease; when it runs out the row is reconciled and retried.
                    log.exception("delivery failed unexpectedly", extra={"delivery": row.id})
        finally:
            connection, self._local.connection = getattr(self._local, "connection", None), None
            if connection is not None:
                connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A transaction on this worker's own connection: one checkout per worker, not two per message.

        (A pool checkout pings PostgreSQL first; at hundreds of messages a second those round trips
        and the session set-up cost more than the ledger's own statements.) A connection that broke
        is dropped and the next transaction opens a new one.
        """
        if not getattr(self._local, "worker", False):
            with self.deps.db.transaction() as session:
                yield session
            return
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None or connection.invalidated or connection.closed:
            connection = self._local.connection = self.deps.db.engine.connect()
        session = Session(bind=connection, expire_on_commit=False)
        try:
            with session.begin():
                yield session
        except BaseException:
            if connection.invalidated:
                connection.close()
                self._local.connection = None
            raise
        finally:
            session.close()

    # -- one row -----------------------------------------------------------------------------

    def _claim(self) -> tuple[DeliveryRow, Message | Skip | Defer | None] | None:
        """The next row, rendered in the claim's transaction in the common case (one commit fewer a message)."""
        with self._transaction() as session:
            row = ledger.claim(session, self.owner, self.clock(), self.options.lease)
            if row is None:
                return None
            sender, nudge_type = self._sender(session, row.workspace_id), self._types.get(row.kind)
            ready = sender.skip_reason is None and not sender.dead and not row.uncertain
            if nudge_type is not None and ready and row.attempts <= self.options.max_attempts:
                return row, self._render(session, nudge_type, row)
        return row, None

    def _deliver(self, row: DeliveryRow, rendered: Message | Skip | Defer | None) -> None:
        sender, nudge_type = self._senders[row.workspace_id], self._types.get(row.kind)
        outcome = self._before_sending(sender, nudge_type, row)
        if isinstance(outcome, DeliveryRow) and nudge_type is not None:
            row = outcome
            if rendered is None:
                with self._transaction() as session:
                    rendered = self._render(session, nudge_type, row)
            outcome = self._rendered(sender, nudge_type, row, rendered)
        if not isinstance(outcome, DeliveryRow):
            self._record(row, *outcome)

    def _before_sending(
        self, sender: _Sender, nudge_type: NudgeType | None, row: DeliveryRow
    ) -> tuple[str | None, Record] | DeliveryRow:
        """What to record instead of sending (the workspace, the kind, an earlier attempt), or the row to send."""
        now = self.clock()
        if sender.skip_reason is not None:
            return "skipped", lambda s: ledger.mark_skipped(s, row, self.owner, sender.skip_reason or "")
        if sender.dead:  # not an attempt, and not counted: the refused row already was
            return None, lambda s: ledger.release(
                s, row, self.owner, now + WORKSPACE_RETRY, "token refused", count_attempt=False
            )
        if nudge_type is None:
            return "failed", self._fail(row, f"unknown nudge kind {row.kind!r}")
        if row.uncertain and not is_user_id(row.recipient_id):
            # Reading a channel's history needs channels:history / groups:history, which the app does
            # not ask for. A page is worth less than a duplicate in a team channel: never sent again.
            log.warning("channel message outcome unknown; not sending it again", extra={"delivery": row.id})
            return "failed", self._fail(
                row, f"not re-sent: a channel message cannot be checked; last: {row.last_error}"
            )
        if row.uncertain:
            assert sender.lookup is not None
            with self._transaction() as session:
                channel_id = known_channel(session, row)
            found = reconcile(sender.lookup, row, channel_id)
            if isinstance(found, Found):
                log.info("delivery found already sent; not sending again", extra={"delivery": row.id})
                return "sent", lambda s: ledger.mark_sent(s, row, self.owner, found.channel_id, found.ts, now)
            if isinstance(found, Unknown):
                return self._uncertain(row, f"could not check whether it was sent: {found.error}", channel_id)
            row = replace(row, channel_id=found.channel_id or channel_id)
        if row.attempts > self.options.max_attempts:
            return "failed", self._fail(row, f"gave up after {row.attempts - 1} attempts; last: {row.last_error}")
        return row

    def _rendered(
        self, sender: _Sender, nudge_type: NudgeType, row: DeliveryRow, rendered: Message | Skip | Defer
    ) -> tuple[str | None, Record]:
        if isinstance(rendered, Message):
            return self._post(sender, nudge_type, row, rendered)
        if rendered is _RENDER_FAILED:
            retry_at = self.clock() + self.options.backoff(row.attempts)
            return "retry_later", lambda s: ledger.release(s, row, self.owner, retry_at, "render failed")
        if isinstance(rendered, Defer):
            return "held", lambda s: ledger.release(
                s, row, self.owner, rendered.until, rendered.reason, count_attempt=False
            )
        return "skipped", lambda s: ledger.mark_skipped(s, row, self.owner, rendered.reason)

    def _render(self, session: Session, nudge_type: NudgeType, row: DeliveryRow) -> Message | Skip | Defer:
        try:
            return nudge_type.render(session, RenderContext(self.deps.content, self.deps.settings, self.clock()), row)
        except Exception:
            # Not sent: retried with backoff like any refusal, and failed after max_attempts.
            log.exception("rendering a nudge failed", extra={"delivery": row.id, "kind": row.kind})
            return _RENDER_FAILED

    def _post(
        self, sender: _Sender, nudge_type: NudgeType, row: DeliveryRow, message: Message
    ) -> tuple[str | None, Record]:
        assert sender.client is not None and sender.pacer is not None
        sender.pacer.acquire()
        try:
            response = sender.client.chat_postMessage(
                channel=row.recipient_id,
                text=message.text,
                blocks=message.blocks or None,
                metadata=metadata(row.id),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            return self._refused(sender, nudge_type, row, exc)
        except Exception as exc:
            # Timeouts and dropped connections: the message may or may not have been posted.
            return self._uncertain(row, f"{type(exc).__name__}: {exc}", row.channel_id)
        now, channel, ts = self.clock(), response.get("channel"), response.get("ts")
        return "sent", lambda s: ledger.mark_sent(s, row, self.owner, channel, ts, now)

    def _refused(
        self, sender: _Sender, nudge_type: NudgeType, row: DeliveryRow, exc: SlackApiError
    ) -> tuple[str | None, Record]:
        status, error = slack_error(exc)
        now = self.clock()
        if status == 429:
            wait = retry_after_seconds(getattr(exc.response, "headers", None))
            assert sender.pacer is not None
            sender.pacer.pause(wait)
            retry_at = now + timedelta(seconds=wait)
            return "retry_later", lambda s: ledger.release(
                s, row, self.owner, retry_at, "rate limited", count_attempt=False
            )
        if status >= 500:
            return self._uncertain(row, f"HTTP {status} {error}".strip(), row.channel_id)
        if error in WORKSPACE_ERRORS:
            if not sender.dead:
                log.error("Slack refused the workspace's token; its nudges wait", extra={"error": error})
            sender.dead = True
            return "retry_later", lambda s: ledger.release(s, row, self.owner, now + WORKSPACE_RETRY, error)
        if error in MESSAGE_ERRORS:
            log.error("Slack refused a nudge message", extra={"delivery": row.id, "kind": row.kind, "error": error})
            return "failed", self._fail(row, error)
        if error in RECIPIENT_ERRORS:
            return "failed", self._fail(row, error, permanent=True, hook=nudge_type.on_permanent_error)
        # Slack answered and did not post: safe to try again later (bounded by max_attempts).
        retry_at = now + self.options.backoff(row.attempts)
        return "retry_later", lambda s: ledger.release(s, row, self.owner, retry_at, error or f"HTTP {status}")

    def _fail(self, row: DeliveryRow, error: str, *, permanent: bool = False, hook: Any = None) -> Record:
        now = self.clock()

        def record(session: Session) -> None:
            if ledger.mark_failed(session, row, self.owner, error, now, block_recipient=permanent) and hook is not None:
                hook(session, row, error)

        return record

    def _uncertain(self, row: DeliveryRow, error: str, channel_id: str | None) -> tuple[str | None, Record]:
        log.warning("delivery outcome unknown; will check before retrying", extra={"delivery": row.id, "error": error})
        until = self.clock() + self.options.backoff(row.attempts)
        return "retry_later", lambda s: ledger.extend(s, row, self.owner, until, error, channel_id)

    def _record(self, row: DeliveryRow, outcome: str | None, write: Record) -> None:
        with self._transaction() as session:
            write(session)
        if outcome is not None:
            self.report.add(row.kind, outcome)

    # -- workspaces ----------------------------------------------------------------------------

    def _sender(self, session: Session, workspace_id: int) -> _Sender:
        with self._senders_lock:
            if workspace_id not in self._senders:
                self._senders[workspace_id] = self._make_sender(session, workspace_id)
            return self._senders[workspace_id]

    def _make_sender(self, session: Session, workspace_id: int) -> _Sender:
        workspace = session.execute(
            select(Workspace.team_id, Workspace.enterprise_id, Workspace.uninstalled_at).where(
                Workspace.id == workspace_id
            )
        ).one_or_none()
        if workspace is None or workspace.uninstalled_at is not None:
            return _Sender(skip_reason="workspace uninstalled")
        token = self.tokens.bot_token(workspace.team_id, workspace.enterprise_id)
        if token is None:
            log.warning("no bot token for a workspace; skipping its nudges", extra={"team": workspace.team_id})
            return _Sender(skip_reason="no bot token for this workspace")
        url, metrics, pacer = self.deps.settings.slack_api_url, self.deps.metrics, Pacer(self.options.rate_per_second)
        return _Sender(
            client=make_web_client(url, token, handlers=[PacedRateLimitRetryHandler(pacer)], metrics=metrics),
            lookup=make_web_client(url, token, metrics=metrics),
            pacer=pacer,
        )


def deliver(
    deps: Deps, tokens: TokenSource, clock: Callable[[], datetime], options: DeliveryOptions | None = None
) -> DeliveryReport:
    """Send everything due by ``clock()``; return what happened."""
    return Delivery(deps, tokens, clock, options or DeliveryOptions.from_settings(deps.settings)).run()

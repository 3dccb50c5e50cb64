"""One delivery loop for every nudge kind: workers claim a due ledger row, render it, post it (paced per
workspace) and record the outcome, each in its own short transaction, so threads, processes and replicas
can share one database. A row claimed while still ``sending`` is reconciled first (``reconcile.py``).
Messages go to the user ID (Slack opens the DM): no per-user lookup on the send path."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
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
from bot.nudges.types import Context, Defer, DeliveryRow, Message, NudgeType, PermanentErrorHook, Skip
from bot.webapi.client import make_web_client
from bot.webapi.profiles import is_user_id
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Attempts per row (429s and holds do not count); with the backoff below, about an hour of retries."""
BACKOFF_BASE, BACKOFF_CAP = timedelta(seconds=30), timedelta(minutes=30)
WORKSPACE_RETRY = timedelta(hours=1)
RENDER_FAILED = Skip("render failed")
Rendered = Message | Skip | Defer


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (1 << max(0, attempts - 1)), BACKOFF_CAP)


@dataclass
class DeliveryReport:
    by_kind: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Outcomes (sent, skipped, failed, retry_later, held) per nudge kind."""
    rate_limited: int = 0
    """429s Slack answered (each paused the workspace's sends for Retry-After)."""

    def count(self, outcome: str) -> int:
        return sum(counts[outcome] for counts in self.by_kind.values())


@dataclass
class _Sender:
    client: WebClient
    lookup: WebClient
    """Without the pacing retry handler: reconciliation reads history, it does not take send slots."""
    pacer: Pacer
    dead: bool = False
    """Slack refused the token this tick: the workspace's other rows wait an hour, not an attempt."""


class Delivery:
    """Sends every due ledger row, whatever its kind. One instance per tick."""

    def __init__(
        self,
        deps: Deps,
        tokens: TokenSource,
        clock: Callable[[], datetime],
        *,
        budget_seconds: float | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.deps, self.tokens, self.clock, self.max_attempts = deps, tokens, clock, max_attempts
        self.lease = timedelta(seconds=deps.settings.stagecoach_delivery_lease_seconds)
        # Stop claiming after the budget (what was claimed still goes out); None: until nothing is due.
        self.deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.report = DeliveryReport()
        self._types = registry.by_kind()
        self._senders: dict[int, _Sender | str] = {}  # a str: why the workspace's rows are skipped
        self._lock = threading.Lock()
        self._rate_limited_until = 0.0
        """When (monotonic) the last row released on a 429 may go again: workers wait for it, in the budget."""
        self._local = threading.local()

    def run(self) -> DeliveryReport:
        try:
            first = self._claim()
        finally:
            self._close_connection()
        if first is not None:
            workers = self.deps.settings.stagecoach_send_workers
            with ThreadPoolExecutor(workers, thread_name_prefix="stagecoach-send") as pool:
                for future in [pool.submit(self._worker, first if i == 0 else None) for i in range(workers)]:
                    future.result()
        self.report.rate_limited = sum(s.pacer.pauses for s in self._senders.values() if isinstance(s, _Sender))
        return self.report

    def _worker(self, claimed: tuple[DeliveryRow, Rendered | None] | None) -> None:
        try:
            while claimed is not None or self.deadline is None or time.monotonic() < self.deadline:
                claimed = claimed or self._claim()
                if claimed is None:
                    # Nothing due now; a row Slack rate-limited in this tick is due again within seconds
                    # (Retry-After). Waiting for it keeps a digest's pages together and in order rather
                    # than leaving one for the next minute's tick.
                    wait = self._rate_limited_until - time.monotonic()
                    if wait <= 0 or (self.deadline is not None and time.monotonic() + wait >= self.deadline):
                        break
                    time.sleep(wait)
                    continue
                (row, rendered), claimed = claimed, None
                try:
                    self._deliver(row, rendered)
                except Exception:
                    # The row keeps its lease; when it runs out the row is reconciled and retried.
                    log.exception("delivery failed unexpectedly", extra={"delivery": row.id})
        finally:
            self._close_connection()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        # On this thread's own connection, not a pool checkout per message: a checkout pings PostgreSQL
        # first, and at hundreds of messages a second that costs more than the ledger's statements.
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None or connection.invalidated or connection.closed:
            connection = self._local.connection = self.deps.db.engine.connect()
        session = Session(bind=connection, expire_on_commit=False)
        try:
            with session.begin():
                yield session
        except BaseException:
            if connection.invalidated:
                self._close_connection()
            raise
        finally:
            session.close()

    def _close_connection(self) -> None:
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            connection.close()

    def _claim(self) -> tuple[DeliveryRow, Rendered | None] | None:
        """The next row, rendered in the claim's transaction in the common case (one commit fewer a message)."""
        with self._transaction() as session:
            row = ledger.claim(session, self.owner, self.clock(), self.lease)
            if row is None:
                return None
            sender, nudge_type = self._sender(session, row.workspace_id), self._types.get(row.kind)
            ready = isinstance(sender, _Sender) and not sender.dead and not row.uncertain
            if nudge_type is not None and ready and row.attempts <= self.max_attempts:
                return row, self._render(session, nudge_type, row)
        return row, None

    def _deliver(self, row: DeliveryRow, rendered: Rendered | None) -> None:
        sender, nudge_type, now = self._senders[row.workspace_id], self._types.get(row.kind), self.clock()
        if isinstance(sender, str):
            return self._record(row, "skipped", ledger.mark_skipped, sender)
        if sender.dead:  # not an attempt, and not counted: the refused row already was
            return self._record(row, None, ledger.release, now + WORKSPACE_RETRY, "token refused", count_attempt=False)
        if nudge_type is None:
            return self._fail(row, f"unknown nudge kind {row.kind!r}")
        if row.uncertain and not is_user_id(row.recipient_id):
            # Reading a channel's history needs channels:history / groups:history, which the app does
            # not ask for. A page is worth less than a duplicate in a team channel: never sent again.
            log.warning("channel message outcome unknown; not sending it again", extra={"delivery": row.id})
            return self._fail(row, f"not re-sent: a channel message cannot be checked; last: {row.last_error}")
        if row.uncertain:
            with self._transaction() as session:
                channel_id = known_channel(session, row)
            found = reconcile(sender.lookup, row, channel_id)
            if isinstance(found, Found):
                log.info("delivery found already sent; not sending again", extra={"delivery": row.id})
                return self._record(row, "sent", ledger.mark_sent, found.channel_id, found.ts, now)
            if isinstance(found, Unknown):
                return self._uncertain(row, f"could not check whether it was sent: {found.error}", channel_id)
            row = replace(row, channel_id=found.channel_id or channel_id)
        if row.attempts > self.max_attempts:
            return self._fail(row, f"gave up after {row.attempts - 1} attempts; last: {row.last_error}")
        if rendered is None:
            with self._transaction() as session:
                rendered = self._render(session, nudge_type, row)
        if isinstance(rendered, Message):
            return self._post(sender, nudge_type, row, rendered)
        if rendered is RENDER_FAILED:
            return self._record(row, "retry_later", ledger.release, now + backoff(row.attempts), "render failed")
        if isinstance(rendered, Defer):
            return self._record(row, "held", ledger.release, rendered.until, rendered.reason, count_attempt=False)
        return self._record(row, "skipped", ledger.mark_skipped, rendered.reason)

    def _render(self, session: Session, nudge_type: NudgeType, row: DeliveryRow) -> Rendered:
        try:
            return nudge_type.render(session, Context(self.deps.content, self.deps.settings, self.clock()), row)
        except Exception:
            # Not sent: retried with backoff like any refusal, and failed after max_attempts.
            log.exception("rendering a nudge failed", extra={"delivery": row.id, "kind": row.kind})
            return RENDER_FAILED

    def _post(self, sender: _Sender, nudge_type: NudgeType, row: DeliveryRow, message: Message) -> None:
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
        self._record(row, "sent", ledger.mark_sent, response.get("channel"), response.get("ts"), self.clock())

    def _refused(self, sender: _Sender, nudge_type: NudgeType, row: DeliveryRow, exc: SlackApiError) -> None:
        status, error = slack_error(exc)
        now = self.clock()
        if status == 429:
            wait = retry_after_seconds(getattr(exc.response, "headers", None))
            sender.pacer.pause(wait)
            retry_at = now + timedelta(seconds=wait)
            with self._lock:
                self._rate_limited_until = max(self._rate_limited_until, time.monotonic() + wait)
            return self._record(row, "retry_later", ledger.release, retry_at, "rate limited", count_attempt=False)
        if status >= 500:
            return self._uncertain(row, f"HTTP {status} {error}".strip(), row.channel_id)
        if error in WORKSPACE_ERRORS:
            if not sender.dead:
                log.error("Slack refused the workspace's token; its nudges wait", extra={"error": error})
            sender.dead = True
            return self._record(row, "retry_later", ledger.release, now + WORKSPACE_RETRY, error)
        if error in MESSAGE_ERRORS:
            log.error("Slack refused a nudge message", extra={"delivery": row.id, "kind": row.kind, "error": error})
            return self._fail(row, error)
        if error in RECIPIENT_ERRORS:
            return self._fail(row, error, nudge_type.on_permanent_error, permanent=True)
        # Slack answered and did not post: safe to try again later (bounded by max_attempts).
        retry_at = now + backoff(row.attempts)
        self._record(row, "retry_later", ledger.release, retry_at, error or f"HTTP {status}")

    def _fail(
        self, row: DeliveryRow, error: str, hook: PermanentErrorHook | None = None, *, permanent: bool = False
    ) -> None:
        with self._transaction() as session:
            if ledger.mark_failed(session, row, self.owner, error, self.clock(), block_recipient=permanent) and hook:
                hook(session, row, error)
        self._count(row, "failed")

    def _uncertain(self, row: DeliveryRow, error: str, channel_id: str | None) -> None:
        log.warning("delivery outcome unknown; will check before retrying", extra={"delivery": row.id, "error": error})
        self._record(row, "retry_later", ledger.extend, self.clock() + backoff(row.attempts), error, channel_id)

    def _record(self, row: DeliveryRow, outcome: str | None, write: Callable[..., bool], *args: Any, **kw: Any) -> None:
        with self._transaction() as session:
            write(session, row, self.owner, *args, **kw)
        self._count(row, outcome)

    def _count(self, row: DeliveryRow, outcome: str | None) -> None:
        if outcome is not None:
            with self._lock:
                self.report.by_kind[row.kind][outcome] += 1

    def _sender(self, session: Session, workspace_id: int) -> _Sender | str:
        with self._lock:
            if workspace_id not in self._senders:
                self._senders[workspace_id] = self._new_sender(session, workspace_id)
            return self._senders[workspace_id]

    def _new_sender(self, session: Session, workspace_id: int) -> _Sender | str:
        workspace = session.execute(
            select(Workspace.team_id, Workspace.enterprise_id).where(
                Workspace.id == workspace_id, Workspace.uninstalled_at.is_(None)
            )
        ).one_or_none()
        if workspace is None:
            return "workspace uninstalled"
        token = self.tokens.bot_token(workspace.team_id, workspace.enterprise_id)
        if token is None:
            log.warning("no bot token for a workspace; skipping its nudges", extra={"team": workspace.team_id})
            return "no bot token for this workspace"
        url, metrics = self.deps.settings.slack_api_url, self.deps.metrics
        pacer = Pacer(self.deps.settings.stagecoach_send_rate)
        paced = make_web_client(url, token, handlers=[PacedRateLimitRetryHandler(pacer)], metrics=metrics)
        return _Sender(paced, make_web_client(url, token, metrics=metrics), pacer)

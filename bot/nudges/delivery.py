"""One delivery loop for every nudge kind: claim a due ledger row, render it, post it, record it.

- **Exactly once.** Each row is claimed (a lease) right before its message is sent and marked
  sent in its own transaction right after; several threads, processes or replicas can run this
  loop on one database. A row whose outcome is unknown (the process died mid-send, Slack answered
  5xx, the connection dropped) is *reconciled* before it is sent again: the message carries
  ``metadata={"event_type": "stagecoach_nudge", "event_payload": {"delivery_id": …}}``, so one
  ``conversations.history`` call on the recipient's conversation tells whether it already landed.
  A channel message (a digest page) has no such check (the app holds no channel-history scope),
  so it is sent at most once: an interrupted page is marked failed, never posted again.
- **Rate limits.** Sends are paced per workspace (:class:`Pacer`); a 429 pauses every worker of
  that workspace for ``Retry-After`` and the request is retried (bounded), then left for later.
- **Failures.** 5xx and connection errors retry with exponential backoff through the ledger
  (``attempts``/``next_attempt_at``), at most ``max_attempts`` times. Permanent refusals
  (user gone, bot blocked, not in channel…) mark the row failed and, for a user recipient, stop
  nudging that member. A workspace whose token is refused stops for this tick, rows kept.
- **No per-user lookups.** Messages go to the user ID (Slack opens the DM); ``conversations.open``
  is used only when reconciling a row whose DM channel is not known yet (the rare path).

Tuning (settings; the defaults suit production): ``STAGECOACH_SEND_RATE`` (messages per second
per workspace, default 20), ``STAGECOACH_SEND_WORKERS`` (threads, default 8) and
``STAGECOACH_DELIVERY_LEASE_SECONDS`` (how long a claim lasts before another process may take the
row over and reconcile it, default 300; tests shorten it).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db.models import Workspace
from bot.deps import Deps
from bot.nudges import ledger, registry
from bot.nudges.types import Defer, DeliveryRow, Message, NudgeType, RenderContext, Skip, is_user_id
from bot.settings import Settings
from bot.webapi.client import make_web_client
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "stagecoach_nudge"
RECONCILE_MARGIN = timedelta(minutes=10)
"""Look this much before the attempt started: clocks differ, and Slack's ts is Slack's clock."""
RECONCILE_PAGE_SIZE = 200
RECONCILE_MAX_PAGES = 5
RATE_LIMIT_RETRIES = 3
WORKSPACE_RETRY = timedelta(hours=1)

# Slack's answers, sorted by what they mean for the row.
RECIPIENT_ERRORS = frozenset(
    {
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "messages_tab_disabled",
        "restricted_action",
        "team_access_not_granted",
    }
)
"""The recipient cannot receive from us: fail the row, stop nudging a user recipient."""
WORKSPACE_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "no_permission",
        "org_login_required",
        "ekm_access_denied",
    }
)
"""The token is the problem (``account_inactive`` means the bot's account or workspace is gone):
nothing for this workspace can go out now. Rows stay pending; the tick moves on."""
MESSAGE_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
    }
)
"""Our message is wrong: retrying cannot help; log loudly, fail the row, keep the member."""


@dataclass(frozen=True)
class DeliveryOptions:
    workers: int = 8
    rate_per_second: float = 20.0
    """Per workspace. Slack allows roughly one message per second per conversation with bursts and a
    workspace-wide ceiling it does not publish; 429s (honoured) tell us when we exceed it."""
    lease: timedelta = timedelta(minutes=5)
    """Covers one send: the 10 s HTTP timeout plus a few Retry-After waits."""
    budget_seconds: float | None = None
    """Stop claiming new rows after this long (the in-process scheduler uses ~50 s so a big fan-out
    yields to the next tick, which plans fresh stuck nudges and sends them first). None: until done."""
    max_attempts: int = 8
    """Attempts per row (rate-limited attempts do not count); with the backoff below about an hour."""
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(minutes=30)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DeliveryOptions:
        options = cls(
            workers=settings.stagecoach_send_workers,
            rate_per_second=settings.stagecoach_send_rate,
            lease=timedelta(seconds=settings.stagecoach_delivery_lease_seconds),
        )
        return replace(options, **overrides)

    def backoff(self, attempts: int) -> timedelta:
        delay: timedelta = self.backoff_base * (2 ** max(0, attempts - 1))
        return min(delay, self.backoff_cap)


@dataclass
class DeliveryReport:
    sent: int = 0
    reconciled: int = 0
    """Of ``sent``: found already in Slack after an uncertain attempt, not posted again."""
    skipped: int = 0
    failed: int = 0
    retry_later: int = 0
    rate_limited: int = 0
    """429s Slack answered (each paused the workspace's sends for Retry-After)."""
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    """The same counts per nudge kind (the tick reports them as metrics)."""
    held: int = 0
    """Put off by the renderer (the member is away, paused or in quiet hours): pending again, not an attempt."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str | None = None, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)
                if kind is not None:
                    of_kind = self.by_kind.setdefault(kind, {})
                    of_kind[name] = of_kind.get(name, 0) + value


class Pacer:
    """Evenly spaced send slots for one workspace, shared by all its workers; pausable on 429.

    A slot that no worker was ready for is not lost at once: up to ``catch_up`` slots missed in
    the last moments may still be used back to back (a token bucket of that size), so a worker
    held up for a few milliseconds does not cost throughput, and no burst is ever larger.
    """

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


def retry_after_seconds(headers: Any, default: float = 1.0) -> float:
    if not headers:
        return default
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return default
    return default


class PacedRateLimitRetryHandler(RetryHandler):
    """On 429: pause the workspace's pacer for Retry-After (every worker waits), then retry in a slot."""

    def __init__(self, pacer: Pacer, max_retry_count: int = RATE_LIMIT_RETRIES) -> None:
        super().__init__(max_retry_count=max_retry_count)
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


@dataclass
class _WorkspaceSender:
    skip_reason: str | None = None
    client: WebClient | None = None
    lookup: WebClient | None = None
    pacer: Pacer | None = None
    dead: bool = False


@dataclass(frozen=True)
class _Found:
    channel_id: str
    ts: str


@dataclass(frozen=True)
class _NotFound:
    channel_id: str | None


@dataclass(frozen=True)
class _Unknown:
    error: str


_RENDER_FAILED = Skip("render failed")


def _carries(message: dict[str, Any], delivery_id: int) -> bool:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload") or {}
    return str(payload.get("delivery_id")) == str(delivery_id)


def _slack_error(exc: SlackApiError) -> tuple[int, str]:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    return status, error


def worker_identity() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Delivery:
    """Sends every due ledger row, whatever its kind. One instance per tick."""

    def __init__(self, deps: Deps, tokens: TokenSource, clock: Callable[[], datetime], options: DeliveryOptions):
        self.deps = deps
        self.tokens = tokens
        self.clock = clock
        self.options = options
        self.owner = worker_identity()
        self.report = DeliveryReport()
        self._types = registry.by_kind()
        self._kinds = [nudge_type.kind for nudge_type in registry.by_priority()]
        self._senders: dict[int, _WorkspaceSender] = {}
        self._senders_lock = threading.Lock()
        self._local = threading.local()

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> DeliveryReport:
        deadline = None if self.options.budget_seconds is None else time.monotonic() + self.options.budget_seconds
        while True:
            with self.deps.db.transaction() as session:
                due = ledger.claimable(session, self._kinds, self.clock())
            if not due:
                break
            claimed = self._pass(due, deadline)
            if claimed == 0 or (deadline is not None and time.monotonic() >= deadline):
                break
        self.report.rate_limited = sum(s.pacer.pauses for s in self._senders.values() if s.pacer is not None)
        return self.report

    def _pass(self, due: list[tuple[int, int]], deadline: float | None) -> int:
        queue = deque(due)
        workers = max(1, min(self.options.workers, len(due)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stagecoach-send") as pool:
            futures = [pool.submit(self._worker, queue, deadline) for _ in range(workers)]
            return sum(future.result() for future in futures)

    def _worker(self, queue: deque[tuple[int, int]], deadline: float | None) -> int:
        self._local.worker = True
        try:
            return self._work(queue, deadline)
        finally:
            connection = getattr(self._local, "connection", None)
            self._local.connection = None
            self._local.worker = False
            if connection is not None:
                connection.close()

    def _work(self, queue: deque[tuple[int, int]], deadline: float | None) -> int:
        claimed = 0
        while deadline is None or time.monotonic() < deadline:
            try:
                delivery_id, workspace_id = queue.popleft()
            except IndexError:
                break
            try:
                if self._deliver(delivery_id, workspace_id):
                    claimed += 1
            except Exception:
                # The row keeps its lease; when it expires the row is reconciled and retried.
                log.exception("delivery failed unexpectedly", extra={"delivery": delivery_id})
        return claimed

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
            connection = self.deps.db.engine.connect()
            self._local.connection = connection
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

    def _deliver(self, delivery_id: int, workspace_id: int) -> bool:
        sender = self._sender(workspace_id)
        if sender.dead:
            return False
        rendered: Message | Skip | Defer | None = None
        with self._transaction() as session:
            row = ledger.claim(session, delivery_id, self.owner, self.clock(), self.options.lease)
            if row is None:
                return False
            nudge_type = self._types[row.kind]
            if sender.skip_reason is None and not row.uncertain and row.attempts <= self.options.max_attempts:
                # The common case renders in the claim's transaction (one commit fewer per message).
                rendered = self._render(session, nudge_type, row)
        if sender.skip_reason is not None:
            self._finish(ledger.mark_skipped, row, sender.skip_reason)
            self.report.add(row.kind, skipped=1)
            return True
        channel_id = row.channel_id
        if row.uncertain and not is_user_id(row.recipient_id):
            # A channel message (a digest page) cannot be checked: reading a channel's history needs
            # channels:history / groups:history, which the app does not ask for. A page is worth less
            # than a duplicate in a team channel, so an interrupted page is never sent again.
            with self._transaction() as session:
                ledger.mark_failed(
                    session,
                    row,
                    self.owner,
                    f"not re-sent: a channel message cannot be checked; last: {row.last_error}",
                    self.clock(),
                    block_recipient=False,
                )
            log.warning(
                "channel message outcome unknown; not sending it again",
                extra={"delivery": row.id, "kind": row.kind, "attempts": row.attempts},
            )
            self.report.add(failed=1)
            return True
        if row.uncertain:
            found = self._reconcile(sender, row)
            if isinstance(found, _Found):
                self._finish(ledger.mark_sent, row, found.channel_id, found.ts, self.clock())
                self.report.add(row.kind, sent=1, reconciled=1)
                log.info("delivery found already sent; not sending again", extra={"delivery": row.id})
                return True
            if isinstance(found, _Unknown):
                self._uncertain(row, f"could not check whether it was sent: {found.error}", channel_id)
                return True
            channel_id = found.channel_id or channel_id
        if row.attempts > self.options.max_attempts:
            with self._transaction() as session:
                ledger.mark_failed(
                    session,
                    row,
                    self.owner,
                    f"gave up after {row.attempts - 1} attempts; last: {row.last_error}",
                    self.clock(),
                    block_recipient=False,
                )
            self.report.add(row.kind, failed=1)
            return True
        if rendered is None:
            with self._transaction() as session:
                rendered = self._render(session, nudge_type, row)
        if rendered is _RENDER_FAILED:
            self._finish(ledger.release, row, self.clock() + self.options.backoff(row.attempts), "render failed")
            self.report.add(row.kind, retry_later=1)
            return True
        if isinstance(rendered, Skip):
            self._finish(ledger.mark_skipped, row, rendered.reason)
            self.report.add(row.kind, skipped=1)
            return True
        if isinstance(rendered, Defer):
            self._finish(ledger.release, row, rendered.until, rendered.reason, count_attempt=False)
            self.report.add(row.kind, held=1)
            return True
        self._post(sender, nudge_type, row, rendered, channel_id)
        return True

    def _render(self, session: Session, nudge_type: NudgeType, row: DeliveryRow) -> Message | Skip | Defer:
        try:
            return nudge_type.render(session, RenderContext(self.deps.content, self.deps.settings, self.clock()), row)
        except Exception:
            # Not sent: retried with backoff like any refusal, and failed after max_attempts.
            log.exception("rendering a nudge failed", extra={"delivery": row.id, "kind": row.kind})
            return _RENDER_FAILED

    def _post(
        self,
        sender: _WorkspaceSender,
        nudge_type: NudgeType,
        row: DeliveryRow,
        rendered: Message,
        channel_id: str | None,
    ) -> None:
        assert sender.client is not None and sender.pacer is not None
        sender.pacer.acquire()
        try:
            response = sender.client.chat_postMessage(
                channel=row.recipient_id,
                text=rendered.text,
                blocks=rendered.blocks or None,
                metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"delivery_id": row.id}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            self._refused(sender, nudge_type, row, exc, channel_id)
            return
        except Exception as exc:
            # Timeouts and dropped connections: the message may or may not have been posted.
            self._uncertain(row, f"{type(exc).__name__}: {exc}", channel_id)
            return
        self._finish(ledger.mark_sent, row, response.get("channel"), response.get("ts"), self.clock())
        self.report.add(row.kind, sent=1)

    def _refused(
        self, sender: _WorkspaceSender, nudge_type: NudgeType, row: DeliveryRow, exc: SlackApiError, channel: str | None
    ) -> None:
        status, error = _slack_error(exc)
        now = self.clock()
        if status == 429:
            wait = retry_after_seconds(getattr(exc.response, "headers", None))
            assert sender.pacer is not None
            sender.pacer.pause(wait)
            self._finish(ledger.release, row, now + timedelta(seconds=wait), "rate limited", count_attempt=False)
            self.report.add(row.kind, retry_later=1)
        elif status >= 500:
            self._uncertain(row, f"HTTP {status} {error}".strip(), channel)
        elif error in WORKSPACE_ERRORS:
            if not sender.dead:
                log.error("Slack refused the workspace's token; its nudges wait", extra={"error": error})
            sender.dead = True
            self._finish(ledger.release, row, now + WORKSPACE_RETRY, error)
            self.report.add(row.kind, retry_later=1)
        elif error in RECIPIENT_ERRORS or error in MESSAGE_ERRORS:
            if error in MESSAGE_ERRORS:
                log.error("Slack refused a nudge message", extra={"delivery": row.id, "kind": row.kind, "error": error})
            with self._transaction() as session:
                done = ledger.mark_failed(
                    session, row, self.owner, error, now, block_recipient=error in RECIPIENT_ERRORS
                )
                if done and error in RECIPIENT_ERRORS and nudge_type.on_permanent_error is not None:
                    nudge_type.on_permanent_error(session, row, error)
            self.report.add(row.kind, failed=1)
        else:
            # Slack answered and did not post: safe to try again later (bounded by max_attempts).
            self._finish(ledger.release, row, now + self.options.backoff(row.attempts), error or f"HTTP {status}")
            self.report.add(row.kind, retry_later=1)

    def _uncertain(self, row: DeliveryRow, error: str, channel_id: str | None) -> None:
        retry_at = self.clock() + self.options.backoff(row.attempts)
        self._finish(ledger.mark_uncertain, row, retry_at, error, channel_id)
        self.report.add(row.kind, retry_later=1)
        log.warning("delivery outcome unknown; will check before retrying", extra={"delivery": row.id, "error": error})

    def _finish(self, mark: Callable[..., bool], row: DeliveryRow, *args: Any, **kwargs: Any) -> None:
        with self._transaction() as session:
            mark(session, row, self.owner, *args, **kwargs)

    # -- reconciling an uncertain row ----------------------------------------------------------

    def _reconcile(self, sender: _WorkspaceSender, row: DeliveryRow) -> _Found | _NotFound | _Unknown:
        assert sender.lookup is not None
        channel_id = row.channel_id
        try:
            if channel_id is None:
                with self._transaction() as session:
                    channel_id = ledger.known_channel(session, row.workspace_id, row.recipient_id)
            if channel_id is None and not is_user_id(row.recipient_id):
                channel_id = row.recipient_id
            if channel_id is None:
                # Rare path (a crash or 5xx before the first message to this user): one lookup.
                channel_id = str(sender.lookup.conversations_open(users=row.recipient_id)["channel"]["id"])
            oldest = f"{(row.attempt_started_at - RECONCILE_MARGIN).timestamp():.6f}"
            cursor: str | None = None
            for _ in range(RECONCILE_MAX_PAGES):
                page = sender.lookup.conversations_history(
                    channel=channel_id,
                    oldest=oldest,
                    limit=RECONCILE_PAGE_SIZE,
                    include_all_metadata=True,
                    cursor=cursor,
                )
                for message in page.get("messages") or []:
                    if _carries(message, row.id):
                        return _Found(channel_id, str(message.get("ts")))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or not cursor:
                    break
            return _NotFound(channel_id)
        except SlackApiError as exc:
            status, error = _slack_error(exc)
            if status == 429 or status >= 500:
                return _Unknown(f"HTTP {status} {error}".strip())
            # Slack refused to let us look (e.g. an install without im:history). Not sending could
            # lose the nudge for good; sending risks a duplicate in a rare case. Send, and say so.
            log.warning(
                "cannot check whether an uncertain delivery was sent; sending it",
                extra={"delivery": row.id, "error": error},
            )
            return _NotFound(channel_id)
        except Exception as exc:
            return _Unknown(f"{type(exc).__name__}: {exc}")

    # -- workspaces ----------------------------------------------------------------------------

    def _sender(self, workspace_id: int) -> _WorkspaceSender:
        with self._senders_lock:
            sender = self._senders.get(workspace_id)
            if sender is None:
                sender = self._make_sender(workspace_id)
                self._senders[workspace_id] = sender
            return sender

    def _make_sender(self, workspace_id: int) -> _WorkspaceSender:
        with self._transaction() as session:
            workspace = session.execute(
                select(Workspace.team_id, Workspace.enterprise_id, Workspace.uninstalled_at).where(
                    Workspace.id == workspace_id
                )
            ).one_or_none()
        if workspace is None or workspace.uninstalled_at is not None:
            return _WorkspaceSender(skip_reason="workspace uninstalled")
        token = self.tokens.bot_token(workspace.team_id, workspace.enterprise_id)
        if token is None:
            log.warning("no bot token for a workspace; skipping its nudges", extra={"team": workspace.team_id})
            return _WorkspaceSender(skip_reason="no bot token for this workspace")
        base_url = self.deps.settings.slack_api_url
        pacer = Pacer(self.options.rate_per_second)
        return _WorkspaceSender(
            client=make_web_client(
                base_url, token, handlers=[PacedRateLimitRetryHandler(pacer)], metrics=self.deps.metrics
            ),
            lookup=make_web_client(base_url, token, metrics=self.deps.metrics),
            pacer=pacer,
        )


def deliver(
    deps: Deps, tokens: TokenSource, clock: Callable[[], datetime], options: DeliveryOptions | None = None
) -> DeliveryReport:
    """Send everything due by ``clock()``; return what happened."""
    return Delivery(deps, tokens, clock, options or DeliveryOptions.from_settings(deps.settings)).run()

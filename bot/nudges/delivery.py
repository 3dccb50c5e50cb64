"""One delivery loop for every nudge kind: workers claim a due ledger row, render it, post it (paced per
workspace, across replicas: ``pacing.py``) and record the outcome, each in its own short transaction, so
threads, processes and replicas can share one database. A row claimed while still ``sending`` is
reconciled first (``reconcile.py``). Messages go to the user ID (Slack opens the DM): no per-user lookup
on the send path.

Workers take the workspace whose next send slot comes first, so workspaces are served side by side: a
huge or rate-limited workspace delays only itself. A 429 pauses its workspace for every replica
(Retry-After), counts as an attempt of the row, and after ``RATE_LIMITED_IN_A_ROW`` of them in a row the tick leaves
that workspace to the next minute; a tick never sleeps longer than ``RATE_LIMIT_WAIT_SECONDS`` for a
paused workspace, so ``python -m bot tick`` ends once what can be sent has been."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.nudges import ledger, pacing, registry
from bot.nudges.reconcile import Found, Unknown, known_channel, metadata, reconcile
from bot.nudges.senders import DeliveryReport, Sender, new_sender
from bot.nudges.slack_errors import MESSAGE_ERRORS, RECIPIENT_ERRORS, WORKSPACE_ERRORS, retry_after_seconds, slack_error
from bot.nudges.types import Context, Defer, DeliveryRow, Message, NudgeType, PermanentErrorHook, Skip
from bot.webapi.profiles import is_user_id
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Attempts per row (holds do not count; 429s do, so a workspace that refuses everything cannot keep a row
due for ever); with the backoff below, about an hour of retries."""
RATE_LIMITED_IN_A_ROW = 5
"""429s in a row (no other answer between them) one workspace may give a tick before the tick leaves its
rows to the next minute. Slack's pauses are a second or a few and a burst of them ends once the bucket
has slowed down, so five cover a busy minute; a workspace that answers 429 to everything costs a tick at
most five Retry-Afters (each waited for only up to the cap below), never its other workspaces' sends."""
RATE_LIMIT_WAIT_SECONDS = 10.0
"""The longest a tick waits for a paused workspace when it has nothing else to send; a longer Retry-After
is left to a later tick (the pause is in the database, so that tick honours it)."""
IDLE_POLL_SECONDS = (0.02, 0.06)
"""How long an idle worker sleeps before looking for a free slot again (random in this range, so workers
of several replicas do not all ask at once): 20-60 ms against a slot every 50 ms at 20 msg/s."""
IDLE_POLLERS, IDLE_SLEEP_SECONDS = 2, (0.2, 0.5)
"""Beyond two idle workers in a process, the others sleep 0.2-0.5 s: one workspace at 20 msg/s keeps 20
reservations busy (``pacing.LOOKAHEAD_SECONDS``), and 8 workers in each of 4 replicas asking every 20-60 ms
for the next slot cost more database time than the sends. A workspace that falls due meanwhile waits for
the two pollers (tens of milliseconds), at worst half a second."""
BACKOFF_BASE, BACKOFF_CAP = timedelta(seconds=30), timedelta(minutes=30)
WORKSPACE_RETRY = timedelta(hours=1)
RENDER_FAILED = Skip("render failed")
Rendered = Message | Skip | Defer


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (1 << max(0, attempts - 1)), BACKOFF_CAP)


@dataclass(frozen=True)
class _Claimed:
    row: DeliveryRow
    slot: float
    """When (wall clock) its workspace's bucket lets it go."""
    rendered: Rendered | None


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
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.deps, self.tokens, self.clock, self.max_attempts = deps, tokens, clock, max_attempts
        self.wall = wall
        """Wall-clock seconds, for the shared send buckets (compared only with other replicas' wall clocks)."""
        self.interval = 1.0 / deps.settings.stagecoach_send_rate
        self.lease = timedelta(seconds=deps.settings.stagecoach_delivery_lease_seconds)
        # Stop claiming after the budget (what was claimed still goes out); None: until nothing is due.
        self.deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.report = DeliveryReport()
        self._types = registry.by_kind()
        self._senders: dict[int, Sender | str] = {}  # a str: why the workspace's rows are skipped
        self._lock = threading.Lock()
        self._local = threading.local()
        self._rate_limited: Counter[int] = Counter()
        self._in_a_row: Counter[int] = Counter()
        self._paused: dict[int, float] = {}
        """Pauses this process met (wall clock): a slot reserved before the 429 is given back, not used."""
        self._left: set[int] = set()
        """Workspaces this tick leaves to the next (their 429 budget is spent)."""
        self._idle = 0
        """Workers sleeping for want of a free slot."""
        # SQLite has one writer and no row locks: the claim's steps (bucket, row, slot) are made one unit by
        # taking them one process-thread at a time. PostgreSQL's row locks do that across replicas.
        self._claim_guard: AbstractContextManager[object] = (
            threading.Lock() if deps.db.backend == "sqlite" else nullcontext()
        )

    def run(self) -> DeliveryReport:
        try:
            with self._transaction() as session:
                pacing.ensure_buckets(session)
                ledger.release_returned(session, self.clock())  # members back from time off: their held rows
            first = self._claim()
            more = first is not None or self._idle_wait() is not None
        finally:
            self._close_connection()
        if more:
            workers = self.deps.settings.stagecoach_send_workers
            start: list[_Claimed | None] = [first if isinstance(first, _Claimed) else None]
            start += [None] * (workers - 1)
            with ThreadPoolExecutor(workers, thread_name_prefix="stagecoach-send") as pool:
                for future in [pool.submit(self._worker, claimed) for claimed in start]:
                    future.result()
        self.report.rate_limited = sum(self._rate_limited.values())
        return self.report

    def _worker(self, claimed: _Claimed | None) -> None:
        try:
            while claimed is not None or self.deadline is None or time.monotonic() < self.deadline:
                taken = claimed or self._claim()
                claimed = None
                if not isinstance(taken, _Claimed):
                    # No slot free now. Rows due but waiting for their workspace's slot or pause (a 429's
                    # Retry-After, in this tick or another replica's) are waited for, briefly: a digest's
                    # pages stay together and in order rather than one being left for the next minute.
                    wait = self._idle_wait() if taken is None else random.uniform(*IDLE_POLL_SECONDS)
                    if wait is None or (self.deadline is not None and time.monotonic() + wait >= self.deadline):
                        break
                    with self._lock:
                        self._idle += 1
                        if self._idle > IDLE_POLLERS:
                            wait = max(wait, random.uniform(*IDLE_SLEEP_SECONDS))
                    try:
                        time.sleep(wait)
                    finally:
                        with self._lock:
                            self._idle -= 1
                    continue
                if taken.slot > (now := self.wall()):
                    # Reserved ahead (pacing.LOOKAHEAD_SECONDS) because no workspace had a slot free now.
                    time.sleep(taken.slot - now)
                if self._paused_meanwhile(taken.row):
                    continue
                try:
                    self._deliver(taken.row, taken.rendered)
                except Exception:
                    # The row keeps its lease; when it runs out the row is reconciled and retried.
                    log.exception("delivery failed unexpectedly", extra={"delivery": taken.row.id})
        finally:
            self._close_connection()

    def _paused_meanwhile(self, row: DeliveryRow) -> bool:
        """A 429 came after this row's slot was reserved: give the row back for the pause, not an attempt.
        (An uncertain row is not released: it must be reconciled before anything else, which is no send.)"""
        with self._lock:
            until = self._paused.get(row.workspace_id, 0.0)
        wait = until - self.wall()
        if wait <= 0 or row.uncertain:
            return False
        retry_at = self.clock() + timedelta(seconds=wait)
        self._record(row, None, ledger.release, retry_at, "rate limited", count_attempt=False)
        return True

    def _idle_wait(self) -> float | None:
        """Seconds to sleep before looking again, or None: nothing more this tick can send."""
        horizon = timedelta(seconds=RATE_LIMIT_WAIT_SECONDS)
        with self._transaction() as session:
            ready = pacing.next_ready(session, self.clock() + horizon, self._excluded())
        if ready is None:
            return None
        wait = ready - pacing.LOOKAHEAD_SECONDS - self.wall()
        if wait > RATE_LIMIT_WAIT_SECONDS:
            return None
        return max(wait, 0.0) + random.uniform(*IDLE_POLL_SECONDS)

    def _excluded(self) -> list[int]:
        with self._lock:
            return sorted(self._left)

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

    def _claim(self) -> _Claimed | bool | None:
        """The next row of the workspace whose slot comes first, with that slot, rendered in the claim's
        transaction in the common case (one commit fewer a message). None: no workspace has a slot within
        ``pacing.LOOKAHEAD_SECONDS`` and a row due; False: one had, but another worker took the row first."""
        with self._claim_guard, self._transaction() as session:
            now, wall = self.clock(), self.wall()
            # No slot reserved past the budget: what a budgeted tick claims goes out within it.
            left = pacing.LOOKAHEAD_SECONDS if self.deadline is None else self.deadline - time.monotonic()
            bucket = pacing.take(session, wall, now, self._excluded(), ahead := min(left, pacing.LOOKAHEAD_SECONDS))
            if bucket is None:
                return None
            row = ledger.claim(session, self.owner, now, self.lease, workspace_id=bucket[0])
            if row is None:
                return False
            # A channel has its own, slower limit, and so has a DM that gets several pages at once. (An
            # uncertain row takes no slot: a channel page is never sent again, a DM is reconciled first.)
            channel_slot, nudge_type = wall, self._types.get(row.kind)
            paced = not is_user_id(row.recipient_id) or (nudge_type is not None and nudge_type.paged)
            if paced and not row.uncertain:
                found = pacing.take_channel(session, row.workspace_id, row.recipient_id, wall, ahead)
                if found is None:
                    wait = pacing.channel_ready(session, row.workspace_id, row.recipient_id) - wall
                    retry_at = now + timedelta(seconds=max(wait, 0.0))
                    ledger.release(session, row, self.owner, retry_at, "channel rate", count_attempt=False)
                    return False
                channel_slot = found
            spent, rendered = pacing.spend(session, row.workspace_id, bucket[1], wall, self.interval).at, None
            ready = isinstance(sender := self._sender(session, row.workspace_id), Sender) and not sender.dead
            if nudge_type is not None and ready and not row.uncertain and row.attempts <= self.max_attempts:
                rendered = self._render(session, nudge_type, row)
            if paced and isinstance(rendered, Skip | Defer):  # posts nothing: its channel slot goes to the next
                pacing.give_back_channel(session, row.workspace_id, row.recipient_id, channel_slot)
                return _Claimed(row, spent, rendered)
        return _Claimed(row, max(spent, channel_slot), rendered)

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
                thread = nudge_type.thread_of(session, row) if nudge_type.thread_of is not None else None
            found = reconcile(sender.lookup, row, channel_id, thread)
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
            until, why, state = rendered.until, rendered.reason, rendered.state
            return self._record(row, "held", ledger.release, until, why, count_attempt=False, state=state)
        return self._record(row, "skipped", ledger.mark_skipped, rendered.reason, rendered.state)

    def _render(self, session: Session, nudge_type: NudgeType, row: DeliveryRow) -> Rendered:
        planned = nudge_type.decode(row)
        if isinstance(planned, Skip):
            return planned
        try:
            return nudge_type.render(
                session, Context(self.deps.content, self.deps.settings, self.clock()), row, planned
            )
        except Exception:
            # Not sent: retried with backoff like any refusal, and failed after max_attempts.
            log.exception("rendering a nudge failed", extra={"delivery": row.id, "kind": row.kind})
            return RENDER_FAILED

    def _post(self, sender: Sender, nudge_type: NudgeType, row: DeliveryRow, message: Message) -> None:
        try:
            response = sender.client.chat_postMessage(
                # A reply goes to its parent's conversation (the recipient's DM, by its D… id).
                channel=message.thread.channel_id if message.thread else row.recipient_id,
                thread_ts=message.thread.ts if message.thread else None,
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
        with self._lock:
            self._in_a_row[row.workspace_id] = 0
        self._record(row, "sent", ledger.mark_sent, response.get("channel"), response.get("ts"), self.clock())

    def _refused(self, sender: Sender, nudge_type: NudgeType, row: DeliveryRow, exc: SlackApiError) -> None:
        status, error = slack_error(exc)
        now = self.clock()
        if status == 429:
            wait = retry_after_seconds(getattr(exc.response, "headers", None))
            until = self.wall() + wait
            with self._transaction() as session:
                pacing.pause(session, row.workspace_id, until)
            with self._lock:
                self._rate_limited[row.workspace_id] += 1
                self._in_a_row[row.workspace_id] += 1
                self._paused[row.workspace_id] = max(until, self._paused.get(row.workspace_id, 0.0))
                if self._in_a_row[row.workspace_id] >= RATE_LIMITED_IN_A_ROW:
                    self._left.add(row.workspace_id)
            if row.workspace_id in self._left:
                log.warning(
                    "Slack keeps rate-limiting a workspace; its nudges wait for the next tick",
                    extra={"workspace": row.workspace_id, "retry_after": wait},
                )
            # Counted: a workspace answering 429 to everything fails its rows after max_attempts, not never.
            # Not reported as retry_later: the report counts 429s on their own (``rate_limited``).
            return self._record(row, None, ledger.release, now + timedelta(seconds=wait), "rate limited")
        with self._lock:
            self._in_a_row[row.workspace_id] = 0
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

    def _sender(self, session: Session, workspace_id: int) -> Sender | str:
        with self._lock:
            if workspace_id not in self._senders:
                self._senders[workspace_id] = new_sender(self.deps, self.tokens, session, workspace_id)
            return self._senders[workspace_id]

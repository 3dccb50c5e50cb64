"""Engines and sessions: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.hot import Kept

log = logging.getLogger(__name__)


def normalise_url(raw: str) -> URL:
    """Accept the URLs operators paste (postgres://, postgresql://) and pick the psycopg 3 driver."""
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    url = make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_engine(raw_url: str, **kwargs: Any) -> Engine:
    url = normalise_url(raw_url)
    # Statement parameters are people's words (win texts, stuck topics): an error message or a
    # DEBUG log must never carry them. The statement and the error kind stay for context.
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Several threads (listeners, scheduler) share the file; wait for locks instead of failing.
        # The pool keeps as many connections as the threads that use them at once (16 HTTP threads, the
        # post-ack workers, modal threads): SQLAlchemy's default keeps 5, and every connection past
        # those was closed on return and opened again next time, with its four PRAGMAs and the lower()
        # function: 119 of 673 checkouts in bursts of 20 bare /win (bench.load_http). An idle SQLite
        # connection costs little memory (its page cache fills only with pages it reads).
        if url.database and url.database != ":memory:":  # a memory database has a pool of its own kind
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", SQLITE_POOL_OVERFLOW)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten with zeros instead of left in free pages, so delete-my-data
            # and the post-uninstall purge leave no readable text in the file (or its WAL).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # SQLite's own lower() folds ASCII only, so a search for "équipe" missed "Équipe" (PostgreSQL's
            # folds every script). Python's str.lower does too; deterministic, so indexes may use it.
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # A dead database fails at once (connection refused); this bounds a blackholed one.
    connect_args = {"connect_timeout": 10} if url.get_backend_name() == "postgresql" else {}
    return create_engine(url, connect_args=connect_args, **kwargs)


Rider = Callable[[Session], None]
_riders: ContextVar[list[Rider] | None] = ContextVar("stagecoach_transaction_riders", default=None)


@contextmanager
def riding_next_commit(rider: Rider) -> Iterator[list[Rider]]:
    """Run ``rider`` inside the next transaction this thread commits (then it is spent).

    The request inbox (``bot/services/inbox.py``) deletes an acknowledged request's row this way, in
    the same transaction as the change it asked for: a crash leaves either both or neither. The
    yielded list is empty once the rider has ridden.
    """
    pending = [rider]
    token = _riders.set(pending)
    try:
        yield pending
    finally:
        _riders.reset(token)


@contextmanager
def riders_held() -> Iterator[None]:
    """Transactions opened here carry no rider (enrolling the actor is not the change asked for)."""
    token = _riders.set(None)
    try:
        yield
    finally:
        _riders.reset(token)


SQLITE_BUSY_TIMEOUT_S = 30
SQLITE_POOL_SIZE = 32
SQLITE_POOL_OVERFLOW = 64
KEPT_SQLITE_CONNECTIONS = 16
"""Pool connections bot/db/hot.py keeps for hot statements: one for each HTTP thread recording a request
in a burst (the HTTP server's 16 threads; bot/server.py cannot be imported here)."""
SCRUB_WAIT_MS = 200
SCRUB_RETRY_SECONDS = 600


class PingTimeout(SQLAlchemyError):
    """The database did not answer a health ping in time."""


class Database:
    """The engine plus a session factory; ``transaction()`` is the unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.kept = Kept(engine, KEPT_SQLITE_CONNECTIONS if engine.url.get_backend_name() == "sqlite" else 0)
        """Connections for the request path's hot statements (bot/db/hot.py)."""
        self._ping_lock = threading.Lock()
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, raw_url: str) -> Database:
        return cls(make_engine(raw_url))

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any exception."""
        with self._sessions.begin() as session:
            yield session
            riders = _riders.get()
            while riders:
                riders.pop()(session)

    def ping(self, timeout: float | None = None) -> None:
        """``SELECT 1``; with ``timeout``, raise :class:`PingTimeout` if no answer comes in time.

        A database that stopped answering mid-connection (frozen, blackholed) makes a pooled
        connection wait for TCP to give up, minutes; ``connect_timeout`` covers only new connections
        and ``statement_timeout`` is enforced by the server that is not answering. So the ping runs on
        its own thread and the caller stops waiting. At most one ping is in flight: while one hangs,
        the next caller fails at once instead of piling up threads.
        """
        if timeout is None:
            self._ping_once()
            return
        if not self._ping_lock.acquire(blocking=False):
            raise PingTimeout("a previous database ping has not answered yet")
        done = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                self._ping_once()
            except BaseException as exc:  # handed to the caller below
                failure.append(exc)
            finally:
                done.set()
                self._ping_lock.release()

        threading.Thread(target=run, name="db-ping", daemon=True).start()
        if not done.wait(timeout):
            raise PingTimeout(f"the database did not answer within {timeout:g} s")
        if failure:
            raise failure[0]

    def _ping_once(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def scrub(self) -> bool:
        """After a deletion: leave no copy of the deleted rows in SQLite's write-ahead log.

        With ``secure_delete`` the deleting transaction zeroes the rows' space, but earlier WAL
        frames still hold the pages as they were until a checkpoint copies the new pages into the
        file; TRUNCATE then empties the WAL. PostgreSQL deletes rows for good at commit (the space
        is reclaimed by autovacuum), so there is nothing to do there.

        A connection reading at that moment still needs those old pages: the checkpoint cannot finish
        until its read ends. Waiting for it under the 30 s busy timeout held delete-my-data for 30 s and
        then left the text in the ``-wal`` anyway (issue 24). So one try waits at most
        ``SCRUB_WAIT_MS``; if a reader blocks it, a background thread tries again every second for
        ``SCRUB_RETRY_SECONDS`` (reads here last milliseconds). False when the first try did not finish.
        """
        if self.backend != "sqlite":
            return True
        if self._checkpoint():
            return True
        log.warning("a reader kept the WAL from being emptied after a deletion; retrying in the background")
        threading.Thread(target=self._scrub_later, name="db-scrub", daemon=True).start()
        return False

    def _checkpoint(self) -> bool:
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={SCRUB_WAIT_MS}")
            try:
                row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        # (busy, WAL frames, frames checkpointed): busy 0 means the WAL was copied and truncated.
        return row is not None and int(row[0]) == 0

    def _scrub_later(self) -> None:
        deadline = time.monotonic() + SCRUB_RETRY_SECONDS
        while time.monotonic() < deadline:
            time.sleep(1.0)
            try:
                if self._checkpoint():
                    log.info("WAL emptied after a deletion, once the reader finished")
                    return
            except SQLAlchemyError:
                log.exception("checkpoint after a deletion failed")
        log.error(
            "the WAL could not be emptied after a deletion: a reader stayed open",
            extra={"seconds": SCRUB_RETRY_SECONDS},
        )

    def dispose(self) -> None:
        self.kept.close()
        self.engine.dispose()

"""Engines and sessions: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker


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
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

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


class PingTimeout(SQLAlchemyError):
    """The database did not answer a health ping in time."""


class Database:
    """The engine plus a session factory; ``transaction()`` is the unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
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

    def scrub(self) -> None:
        """After a deletion: leave no copy of the deleted rows in SQLite's write-ahead log.

        With ``secure_delete`` the deleting transaction zeroes the rows' space, but earlier WAL
        frames still hold the pages as they were until a checkpoint copies the new pages into the
        file; TRUNCATE then empties the WAL. PostgreSQL deletes rows for good at commit (the space
        is reclaimed by autovacuum), so there is nothing to do there.
        """
        if self.backend != "sqlite":
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.engine.dispose()

"""Statements on every request's path, run on a pooled DBAPI connection without SQLAlchemy's execution layer.

A ``/stage`` answer runs four short statements: its inbox row in and out, the acting member, the stage.
Through ``Connection.execute`` each cost 0.24-0.51 ms of CPU in the bot's conditions (a request every
40 ms, the interpreter's caches cold between them), the same statements here 0.03-0.29 ms:
connection checkout and wrapping, the cache-key walk, the execution context and the result object are
most of it (tests/test_hot_statements.py checks the results agree; figures in the commit that added this).

What SQLAlchemy still does here: the statement is a Core construct, compiled once per dialect by
SQLAlchemy itself (its SQL, parameter style and order), values go through the column types' own bind
and result processors (``UTCDateTime`` and all), connections come from the engine's pool (its PRAGMAs
and pre-ping apply; on SQLite a few are kept out of it between statements, :class:`Kept`), and a driver's
error is raised as SQLAlchemy's (parameters hidden). What it does not:
events, the ORM, ``riders`` (``bot/db/engine.py``): these are never the change a request asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import Delete, Insert, Select, Update

if TYPE_CHECKING:
    from bot.db.engine import Database

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None
    """Bind names in the order of a positional parameter style (SQLite's ``?``); None for a named one."""
    binds: dict[str, Processor]
    results: tuple[Processor, ...]


class HotStatement:
    """A Core statement kept compiled per dialect; run it with :func:`first` or :func:`write`."""

    def __init__(self, statement: Select[Any] | Insert | Update | Delete) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str, object], _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        # Two engines of one backend compile alike (SQLite's RETURNING depends on its version: in the key).
        key = (dialect.name, dialect.driver, dialect.server_version_info)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect)
        return compiled


def _compile(statement: Select[Any] | Insert | Update | Delete, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    binds: dict[str, Processor] = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()
    }
    columns = statement.selected_columns if isinstance(statement, Select) else statement.exported_columns
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    positional = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    return _Compiled(compiled.string, positional, binds, results)


def _parameters(compiled: _Compiled, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
    processed = {}
    for name, processor in compiled.binds.items():
        value = params[name]
        processed[name] = processor(value) if processor is not None and value is not None else value
    if compiled.positional is None:
        return processed
    return [processed[name] for name in compiled.positional]


class Kept:
    """SQLite: pooled connections kept checked out for hot statements, taken and given back in a list.

    The engine's pool (QueuePool: a condition, a wrapper object and a reset per checkout) cost 0.08 ms to
    take a connection and 0.03 ms to give it back in the bot's conditions, more than the statement; a
    list under a lock, ~0.01 ms. The connections stay the pool's (its PRAGMAs, its count); at most
    ``keep`` are held here, the rest go back. PostgreSQL keeps the pool: its pre-ping replaces
    connections a restart or a proxy broke.
    """

    def __init__(self, engine: Engine, keep: int) -> None:
        self._engine = engine
        self._keep = keep
        self._idle: list[PoolProxiedConnection] = []
        self._lock = threading.Lock()

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    def take(self) -> PoolProxiedConnection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._engine.raw_connection()

    def give_back(self, connection: PoolProxiedConnection) -> None:
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(connection)
                return
        connection.close()  # back to the pool

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _connect(kept: Kept) -> PoolProxiedConnection:
    """A connection, or SQLAlchemy's error for one the pool could not open.

    ``Connection.__init__`` wraps a refused connect in SQLAlchemy's ``OperationalError``; ``raw_connection``
    does not, and the driver's own error reached the listener's error reply as "something went wrong" instead
    of "I can't reach my database" (tests/test_faults.py, PostgreSQL behind a cut proxy).
    """
    dialect = kept.dialect
    try:
        return kept.take()
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            None,
            None,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=dialect.is_disconnect(error, None, None),
            dialect=dialect,
        ) from error


def _run(kept: Kept, hot: HotStatement, params: Mapping[str, Any], *, commit: bool) -> tuple[Any, ...] | None:
    connection = _connect(kept)  # first: the first connection initialises the dialect (SQLite's version: RETURNING)
    dialect = kept.dialect
    try:
        compiled = hot.compiled(dialect)
        parameters = _parameters(compiled, params)
        cursor = connection.cursor()
        try:
            cursor.execute(compiled.sql, parameters)
            row = cursor.fetchone() if cursor.description else None
        finally:
            cursor.close()
        if commit:
            connection.commit()
        else:
            connection.rollback()  # what the pool does on return: no transaction is left open (PostgreSQL)
    except dialect.loaded_dbapi.Error as error:
        connection.close()  # back to the pool, which rolls back (and replaces a broken connection)
        raise DBAPIError.instance(
            compiled.sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
        ) from error
    except BaseException:
        connection.close()
        raise
    kept.give_back(connection)
    if row is None:
        return None
    return tuple(
        value if process is None else process(value) for process, value in zip(compiled.results, row, strict=True)
    )


def first(db: Database, hot: HotStatement, **params: Any) -> tuple[Any, ...] | None:
    """The first row of a read (values as the column types give them), or None."""
    return _run(db.kept, hot, params, commit=False)


def write(db: Database, hot: HotStatement, **params: Any) -> tuple[Any, ...] | None:
    """Run a write and commit it; the first row it returned (``RETURNING``), if any."""
    return _run(db.kept, hot, params, commit=True)

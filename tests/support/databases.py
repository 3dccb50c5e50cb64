"""Scratch databases on the backend under test (a SQLite file or a fresh PostgreSQL database), and emptying one.

``bench/load_http.py`` uses the scratch databases too.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.db.engine import Database, normalise_url
from bot.db.models import Base


def _admin_url(url: str) -> str:
    return str(normalise_url(url).set(database="postgres").render_as_string(hide_password=False))


def create_scratch_database(base_url: str | None, tmp_path: Path) -> str:
    """A brand-new empty database on the backend under test; returns its URL."""
    if not base_url:
        return f"sqlite:///{tmp_path / f'scratch-{uuid.uuid4().hex[:8]}.db'}"
    name = f"stagecoach_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_admin_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(normalise_url(base_url).set(database=name).render_as_string(hide_password=False))


def drop_scratch_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def empty_all_tables(database: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())

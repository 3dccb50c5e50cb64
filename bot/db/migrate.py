"""Alembic, driven from code: ``python -m bot migrate`` and start-up call :func:`upgrade_to_head`."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from bot.db.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VERSIONS = PROJECT_ROOT / "migrations" / "versions"
_DECLARED = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def script_head() -> str | None:
    """The one head revision the files in migrations/versions declare, read as text; None when they do not make
    one chain's head plainly (several heads, a tuple, a line this does not read): then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        declared = dict(_DECLARED.findall(path.read_text(encoding="utf-8")))
        try:
            revision, parent = ast.literal_eval(declared["revision"]), ast.literal_eval(declared["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_head(database_url: str) -> bool:
    """Whether the database's ``alembic_version`` already names the head (what Alembic itself would check)."""
    head = script_head()
    if head is None:
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return False
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [head]
    finally:
        engine.dispose()


def upgrade_to_head(database_url: str) -> None:
    # Every start (serve, tick, migrate) comes here, and almost always the database is already at head:
    # importing Alembic (its dialect modules, Mako, Pygments) was ~0.12 s CPU of a ~0.8 s start, for
    # nothing to do. Anything else (a new database, a pending revision) goes to Alembic as before.
    if at_head(database_url):
        return
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def downgrade_to_base(database_url: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), "base")

"""Alembic owns the schema: upgrade to head, downgrade to base, and no drift from the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.engine import make_engine
from bot.db.migrate import alembic_config, downgrade_to_base, upgrade_to_head
from bot.db.models import Base


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_to_head_creates_every_model_table(scratch_database: str) -> None:
    upgrade_to_head(scratch_database)
    assert set(Base.metadata.tables) <= _tables(scratch_database)


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(scratch_database: str) -> None:
    upgrade_to_head(scratch_database)
    downgrade_to_base(scratch_database)
    assert _tables(scratch_database) <= {"alembic_version"}
    upgrade_to_head(scratch_database)
    assert set(Base.metadata.tables) <= _tables(scratch_database)


def test_models_and_migrations_do_not_drift(scratch_database: str) -> None:
    upgrade_to_head(scratch_database)
    engine = make_engine(scratch_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_one_head_and_dated_revision_files() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        filename = revision.path.rsplit("/", 1)[-1]
        assert filename[:4].isdigit() and filename[4] == "_", filename

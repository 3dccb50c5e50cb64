"""Fixtures: a migrated real database (SQLite file or PostgreSQL), the fake Web API, the bot over HTTP.

``TEST_DATABASE_URL`` picks the backend: unset means a SQLite file in a temp folder; a
PostgreSQL URL means a fresh database created on that server for this run and dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.db.engine import Database, normalise_url
from bot.db.migrate import upgrade_to_head
from bot.db.models import Base
from bot.deps import Deps
from bot.server import StagecoachWsgi
from bot.settings import Settings
from bot.slack.app import BuiltApp, build_app
from bot.slack.registrar import drain
from content import Content, load_content
from tests.support.driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.server import LoopbackServer
from tests.support.tcp_proxy import TcpProxy

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


# -- databases ---------------------------------------------------------------------------------


class Clock:
    """A clock tests can set and move; real time unless told otherwise."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    def __call__(self) -> datetime:
        return self._now if self._now is not None else datetime.now(UTC)

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self._now = now

    def advance(self, **delta: float) -> datetime:
        self._now = self() + timedelta(**delta)
        return self._now


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


@pytest.fixture(scope="session")
def backend_url() -> str | None:
    """The PostgreSQL server URL under test, or None for SQLite."""
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture
def scratch_database(backend_url: str | None, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables), dropped after the test."""
    url = create_scratch_database(backend_url, tmp_path)
    yield url
    drop_scratch_database(url)


@pytest.fixture(scope="session")
def database_url(backend_url: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database migrated to head for the whole run."""
    url = create_scratch_database(backend_url, tmp_path_factory.mktemp("db"))
    upgrade_to_head(url)
    yield url
    drop_scratch_database(url)


def _empty_all_tables(database: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The migrated database; every table is emptied after the test."""
    database = Database.from_url(database_url)
    yield database
    _empty_all_tables(database)
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (commits become savepoints)."""
    connection = db.engine.connect()
    outer = connection.begin()
    with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as scoped:
        yield scoped
    outer.rollback()
    connection.close()


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


# -- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def make_settings(database_url: str, api_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": api_url,
        "database_url": database_url,
        "bot_scheduler": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@dataclass
class RunningBot:
    """The bot served over HTTP on a loopback port, with everything a test needs to drive it."""

    url: str
    slack: SlackDriver
    fake: FakeSlack
    deps: Deps
    built: BuiltApp
    clock: Clock

    @property
    def db(self) -> Database:
        return self.deps.db


class BotServer(LoopbackServer):
    def stop(self) -> None:
        super().stop()
        # Work the bot queued after its acks must not spill into the next test's database.
        assert drain(), "post-ack work still running 10 s after the bot stopped"


def start_bot(deps: Deps, fake: FakeSlack, clock: Clock) -> tuple[RunningBot, LoopbackServer]:
    built = build_app(deps)
    wsgi = StagecoachWsgi(built.app, deps.db, SIGNING_SECRET, deps.metrics, post_ack=built.registrar.post_ack)
    server = BotServer(wsgi).start()
    driver = SlackDriver(server.url, SIGNING_SECRET, fake)
    return RunningBot(server.url, driver, fake, deps, built, clock), server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(db: Database, fake_slack: FakeSlack, content: Content, clock: Clock, database_url: str) -> Iterator[RunningBot]:
    settings = make_settings(database_url, fake_slack.api_url)
    deps = Deps(settings=settings, db=db, content=content, clock=clock)
    running, server = start_bot(deps, fake_slack, clock)
    yield running
    server.stop()


@pytest.fixture
def proxied_bot(
    db: Database, database_url: str, fake_slack: FakeSlack, content: Content, clock: Clock
) -> Iterator[tuple[RunningBot, TcpProxy]]:
    """The bot with its PostgreSQL connections through a TCP proxy a test can slow or cut (faults, freezes)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs a database reached over the network (PostgreSQL); SQLite is a local file")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxied_db = Database.from_url(proxied_url)
    settings = make_settings(proxied_url, fake_slack.api_url)
    running, server = start_bot(Deps(settings=settings, db=proxied_db, content=content, clock=clock), fake_slack, clock)
    yield running, proxy
    proxy.delay = 0
    server.stop()
    proxy.close()
    proxied_db.dispose()

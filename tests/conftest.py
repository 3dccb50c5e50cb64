"""Fixtures: a migrated real database (SQLite file or PostgreSQL), the fake Web API, the bot over HTTP.

``TEST_DATABASE_URL`` picks the backend: unset means a SQLite file in a temp folder; a
PostgreSQL URL means a fresh database created on that server for this run and dropped after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import Member
from bot.deps import Deps
from content import Content, load_content
from tests.support.bots import RunningBot, make_settings, start_bot
from tests.support.clock import TEST_NOW, Clock
from tests.support.databases import create_scratch_database, drop_scratch_database, empty_all_tables
from tests.support.fake_slack import FakeSlack
from tests.support.members import me as enroll_me
from tests.support.nudges import make_deps
from tests.support.processes import BotProcess, stop_processes
from tests.support.tcp_proxy import TcpProxy

# -- order ------------------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, each worker's share starts with its part of the tests marked ``slow``.

    ``--dist worksteal`` hands each of the N workers one contiguous 1/N of the collection, and an idle
    worker steals from the END of the busiest one's queue. A 30-50 s test (the week of surfaces, the
    60-report digest at Slack's one message a second per channel) collected late in its share started
    when the others were nearly done and ran alone at the end of the run. Starting each share with its
    slow tests lets every worker overlap them with the short ones stolen meanwhile. The order is the same
    in every worker (xdist requires it); a run without xdist keeps the file order.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2:
        return
    # Longest first (``@pytest.mark.slow(seconds=40)``: its wall time alone on this 2-core machine), dealt round
    # the shares, so the longest ones (18-24 s alone, 35-50 s in a parallel run) start on different workers.
    slow = sorted((item for item in items if item.get_closest_marker("slow")), key=_expected_seconds, reverse=True)
    rest = [item for item in items if not item.get_closest_marker("slow")]
    ordered: list[pytest.Item] = []
    for share in range(workers):
        # The share sizes xdist's worksteal uses: what is left, divided by the workers not yet served.
        size = (len(items) - len(ordered)) // (workers - share)
        mine = slow[share::workers]
        ordered += mine + rest[: max(0, size - len(mine))]
        del rest[: max(0, size - len(mine))]
    items[:] = ordered + rest


def _expected_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("slow")
    return float(marker.kwargs.get("seconds", SLOW_TEST_SECONDS)) if marker else 0.0


SLOW_TEST_SECONDS = 5.0
"""What a test marked ``slow`` without ``seconds=`` is taken to need (most take 3-8 s)."""


# -- databases ---------------------------------------------------------------------------------


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


@pytest.fixture(scope="session")
def worker_database(database_url: str) -> Iterator[Database]:
    """One engine for every test this worker runs: SQLAlchemy caches compiled statements per engine, and an
    engine a test compiled each statement afresh. Eight e2e files run serially took 17.8 s of CPU with an
    engine a test and 11.1 s with this one; the whole suite 230 s and 146 s."""
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def db(worker_database: Database) -> Iterator[Database]:
    """The migrated database; every table is emptied after the test.

    The pool's connections are closed after each test too (``dispose`` replaces the pool and keeps the
    statement cache): idle connections left open by six workers (10 each) and the bot processes tests start
    would crowd PostgreSQL's default limit of 100.
    """
    yield worker_database
    empty_all_tables(worker_database)
    worker_database.dispose()


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


@pytest.fixture
def me(session: Session) -> Member:
    """The member a service test acts as: U1 of T1, enrolled at tests.support.members.NOW."""
    return enroll_me(session)


# -- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def deps(db: Database, database_url: str, fake_slack: FakeSlack, content: Content) -> Deps:
    """What the tick needs, for tests that run it directly (no bot served)."""
    return make_deps(db, database_url, fake_slack, content)


@pytest.fixture
def clock() -> Clock:
    return Clock(TEST_NOW)


@pytest.fixture
def bot(db: Database, fake_slack: FakeSlack, content: Content, clock: Clock, database_url: str) -> Iterator[RunningBot]:
    settings = make_settings(database_url, fake_slack.api_url)
    deps = Deps(settings=settings, db=db, content=content, clock=clock)
    running, server = start_bot(deps, fake_slack, clock)
    yield running
    server.stop()


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """The ``python -m bot`` processes a test started (tests.support.processes.start_process), killed after it."""
    started: list[BotProcess] = []
    yield started
    stop_processes(started)


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

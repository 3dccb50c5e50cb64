"""Faults: the database goes away under a running bot, and comes back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.db.engine import Database
from bot.slack.deps import Deps
from bot.slack.errors import DATABASE_DOWN_TEXT
from content import Content
from tests.conftest import Clock, RunningBot, make_settings, start_bot
from tests.support.driver import block_texts, http_request
from tests.support.fake_slack import FakeSlack
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def proxied_bot(
    db: Database, database_url: str, fake_slack: FakeSlack, content: Content, clock: Clock
) -> Iterator[tuple[RunningBot, TcpProxy]]:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs a database reached over the network (PostgreSQL); SQLite is a local file")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxied_db = Database.from_url(proxied_url)
    settings = make_settings(proxied_url, fake_slack.api_url)
    running, server = start_bot(Deps(settings=settings, db=proxied_db, content=content, clock=clock), fake_slack, clock)
    yield running, proxy
    server.stop()
    proxy.close()
    proxied_db.dispose()


def test_database_unreachable_then_back_without_restart(proxied_bot: tuple[RunningBot, TcpProxy]) -> None:
    bot, proxy = proxied_bot
    bot.slack.command("/stage", "1")
    assert "Task Executor" in block_texts(bot.slack.responses()[0])

    proxy.cut()
    health = http_request(f"{bot.url}/healthz")
    assert health.status == 503
    assert json.loads(health.body)["database"] == "unreachable"
    reply = bot.slack.command("/stage", "2")
    assert reply.status == 200  # acked: Slack shows no error of its own
    [answer] = bot.slack.responses(timeout=20)
    assert answer["text"].startswith(DATABASE_DOWN_TEXT)

    proxy.restore()
    assert http_request(f"{bot.url}/healthz").status == 200
    bot.slack.command("/stage", "2")
    assert "Feature Owner" in block_texts(bot.slack.responses()[0])

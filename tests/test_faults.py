"""Faults: the database goes away under a running bot, and comes back."""

from __future__ import annotations

import json

from bot.slack.errors import DATABASE_DOWN_TEXT
from tests.support.bots import RunningBot
from tests.support.driver import block_texts, http_request
from tests.support.tcp_proxy import TcpProxy


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

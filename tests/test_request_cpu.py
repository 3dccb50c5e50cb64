"""What keeps a request's CPU down stays in place (bench.load_http measures it; these hold the mechanisms)."""

from __future__ import annotations

import logging

import pytest

from bot.slack.app import SDK_LOGGERS
from tests.support.bots import RunningBot


def test_slack_sdk_formats_no_debug_line_with_the_request(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    # slack_sdk builds its DEBUG line (the whole view, the whole answer) whenever its logger's own level
    # is at or below DEBUG, NOTSET included; the app leaves them at INFO, the floor bot/logs.py sets.
    for name in SDK_LOGGERS:
        assert logging.getLogger(name).level > logging.DEBUG
    with caplog.at_level(logging.DEBUG):
        reply = bot.slack.command("/stage", "2")
        assert reply.status == 200
        assert bot.slack.responses()
    assert not [record for record in caplog.records if record.name in SDK_LOGGERS and record.levelno < logging.INFO]

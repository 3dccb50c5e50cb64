"""Logs carry no user text at any level: not at DEBUG, not when the database refuses a statement."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.db.models import Visibility
from bot.logs import QUIET_LIBRARIES, install_log_handler
from bot.slack.registrar import drain
from tests.support.bots import RunningBot
from tests.support.driver import block_texts
from tests.support.nudges import dms, enroll, tick

LA = ZoneInfo("America/Los_Angeles")
MONDAY_0900_LA = datetime(2026, 11, 23, 9, 0, tzinfo=LA)


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The bot's own log handler, as ``LOG_LEVEL=DEBUG`` installs it, writing into a buffer."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    saved_library_levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    install_log_handler("DEBUG")
    buffer = io.StringIO()
    [handler] = [h for h in root.handlers if getattr(h, "_stagecoach", False)]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    for extra in [h for h in root.handlers if h not in saved_handlers]:
        root.removeHandler(extra)
    root.setLevel(saved_level)
    for name, level in saved_library_levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_debug_run_logs_no_user_text(bot: RunningBot, json_logs: io.StringIO) -> None:
    secrets = ["heron-secret-3391", "marmot-secret-2284", "ibis-secret-5512"]
    bot.clock.set(MONDAY_0900_LA - timedelta(days=2))
    bot.slack.command("/win", f"{secrets[0]} shipped", user="U0001")
    bot.slack.responses()
    bot.slack.command("/stuck", secrets[1], user="U0001")
    bot.slack.responses()
    bot.slack.command("/coach", "manager <@UMGR|maria>", user="U0001")
    bot.slack.responses()
    assert drain()
    # A team-channel win goes out in a digest: its text is in a Web API request body.
    enroll(bot.db, "UMGR", "America/Los_Angeles", digest_channel_id="C0TEAM")
    bot.slack.command("/win", f"{secrets[2]} for the team", user="U0001")
    bot.slack.responses()
    assert drain()
    with bot.db.transaction() as session:
        session.execute(text("UPDATE brag_entries SET visibility = :v"), {"v": Visibility.TEAM_CHANNEL.value})
    tick(bot.deps, MONDAY_0900_LA)
    assert secrets[2] in str(dms(bot.fake, "C0TEAM"))

    logged = json_logs.getvalue()
    assert logged.count("\n") >= 3  # the run did log (requests, the tick), at DEBUG
    for secret in secrets:
        assert secret not in logged


def test_a_database_error_logs_its_kind_but_not_the_text(bot: RunningBot, json_logs: io.StringIO) -> None:
    secret = "forbidden-heron 7781 secret"
    # A real refusal by the database, raised on the INSERT of the win (no mock of anything of ours).
    if bot.db.backend == "postgresql":
        create = "ALTER TABLE brag_entries ADD CONSTRAINT ck_test_refuse CHECK (strpos(what, 'forbidden-heron') = 0)"
        drop = "ALTER TABLE brag_entries DROP CONSTRAINT ck_test_refuse"
    else:
        create = (
            "CREATE TRIGGER test_refuse BEFORE INSERT ON brag_entries WHEN instr(NEW.what, 'forbidden-heron') > 0 "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
        )
        drop = "DROP TRIGGER test_refuse"
    with bot.db.engine.begin() as connection:
        connection.exec_driver_sql(create)
    try:
        bot.slack.command("/win", secret, user="U0001")
        [answer] = bot.slack.responses(timeout=10)
        assert "nothing was saved" in block_texts(answer) or "nothing was changed" in block_texts(answer)
        assert drain()
    finally:
        with bot.db.engine.begin() as connection:
            connection.exec_driver_sql(drop)
    logged = json_logs.getvalue()
    assert "listener failed" in logged and "IntegrityError" in logged  # the context stays
    assert "forbidden-heron" not in logged
    assert "7781" not in logged

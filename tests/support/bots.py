"""The bot served over HTTP on a loopback port, as the ``bot`` fixture and tests that start their own build it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Member
from bot.deps import Deps
from bot.server import StagecoachWsgi
from bot.settings import Settings
from bot.slack.app import BuiltApp, build_app
from bot.slack.github_oauth import web_pages
from bot.slack.mentions import NAMES
from bot.slack.registrar import drain
from tests.support.clock import Clock
from tests.support.driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.server import LoopbackServer

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


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
        NAMES.clear()  # names are keyed by the simulator's URL; the next test's may reuse its port


def start_bot(deps: Deps, fake: FakeSlack, clock: Clock) -> tuple[RunningBot, LoopbackServer]:
    built = build_app(deps)
    wsgi = StagecoachWsgi(
        built.app, deps.db, SIGNING_SECRET, deps.metrics, post_ack=built.registrar.post_ack, pages=web_pages(deps)
    )
    server = BotServer(wsgi).start()
    driver = SlackDriver(server.url, SIGNING_SECRET, fake)
    return RunningBot(server.url, driver, fake, deps, built, clock), server


def update_member(bot: RunningBot, user: str, **values: object) -> None:
    """Set columns of an enrolled member straight in the database."""
    assert drain()  # the profile lookup that enrollment queued must not overwrite what the test sets
    with bot.db.transaction() as session:
        row = session.scalars(select(Member).where(Member.slack_user_id == user)).one()
        for key, value in values.items():
            setattr(row, key, value)

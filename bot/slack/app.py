"""Building the Bolt app: signature checks on, listeners registered, dependencies injected."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot import listeners
from bot.deps import Deps
from bot.services.evidence import evidence_index
from bot.slack.acting import acting_member_id
from bot.slack.errors import handle_listener_error
from bot.slack.executor import TRIGGER_THREADS, PostAckExecutor
from bot.slack.installations import make_installation_store
from bot.slack.middleware import RequestSetup
from bot.slack.registrar import Registrar
from bot.slack.scopes import BOT_SCOPES
from bot.webapi.client import make_web_client
from bot.webapi.tokens import InstalledTokens, StaticToken, TokenSource

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"
OAUTH_STATE_EXPIRATION_SECONDS = 600
# Listeners run on the HTTP thread (process_before_response=True): Bolt's default hands each one to
# its listener pool and polls every 10 ms for the ack, a hand-off that under load cost our acks more
# than the work itself (bench.load_http). The listener acks and hands its work on: modal-opening work
# to the executor's trigger pool at once (also Bolt's listener executor), everything else to the
# bounded post-ack queue (bot/slack/executor.py).
LISTENER_THREADS = TRIGGER_THREADS


class _ClientGivenOnPurpose(logging.Filter):
    """Drops Bolt's "As you gave `client` as well, `token` will be unused" at start.

    We hand Bolt a client on purpose (the configured SLACK_API_URL and our retry policy, with the token
    already in it); Bolt reads SLACK_BOT_TOKEN from the environment by itself and warns that it
    ignores it, which is true and expected, so every start logged a warning an operator cannot act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(existing, _ClientGivenOnPurpose) for existing in logger.filters):
        logger.addFilter(_ClientGivenOnPurpose())
    return logger


SDK_LOGGERS = ("slack_sdk.web.base_client", "slack_sdk.webhook.client")
"""The loggers of the Web API client and of ``respond()``'s webhook client (their default ones)."""


def _sdk_debug_off() -> None:
    """Give slack_sdk's client loggers the INFO floor bot/logs.py puts on ``slack_sdk``, as their own level.

    slack_sdk tests ``logger.level <= DEBUG`` (the logger's own level, not the effective one) before it
    formats a DEBUG line with the whole request: NOTSET (0) passes, so every ``views.open`` built the
    repr of its view and every ``respond()`` its body, for a line the floor then dropped. Nothing is
    logged differently: slack_sdk's lines below INFO were never written (they carry people's words).
    """
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


# Bolt names the app (and its per-listener loggers) after the calling file when not told, found with
# inspect.stack(), which reads every frame's source file: 4 ms at start-up, ~6 ms for each test's bot
# (pytest's stacks are deep). The same name, given.
APP_NAME = "app.py"


@dataclass(frozen=True)
class BuiltApp:
    app: App
    registrar: Registrar
    tokens: TokenSource
    installation_store: InstallationStore | None


def _forget_blank_slack_environment() -> None:
    """Unset blank SLACK_* environment variables before Bolt reads them.

    Bolt reads SLACK_BOT_TOKEN, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET... from the environment by itself and
    takes a blank value as set. `docker run --env-file .env` passes .env.example's blank lines through, so
    a single-workspace container had Bolt switch on its own file-based OAuth install (and ignore the bot
    token). Settings already reads a blank as unset; this makes Bolt agree.

    Why edit the environment rather than pass arguments: slack_bolt 1.30's ``App.__init__`` checks
    ``os.environ.get("SLACK_CLIENT_ID") is not None`` whenever ``oauth_settings`` is None, and no
    argument turns that check off. Only blank values are removed, and only SLACK_* ones.
    """
    for name in [name for name, value in os.environ.items() if name.startswith("SLACK_") and not value.strip()]:
        del os.environ[name]


def build_app(deps: Deps) -> BuiltApp:
    settings = deps.settings
    _forget_blank_slack_environment()
    _sdk_debug_off()
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    installation_store: InstallationStore | None = None
    post_ack = PostAckExecutor(
        settings.stagecoach_post_ack_workers, settings.stagecoach_post_ack_queue, trigger_threads=LISTENER_THREADS
    )
    listener_executor = post_ack.trigger_pool
    if settings.oauth_enabled:
        assert settings.slack_client_id is not None and settings.slack_client_secret is not None
        installation_store = make_installation_store(deps)
        app = App(
            name=APP_NAME,
            signing_secret=signing_secret,
            client=make_web_client(settings.slack_api_url, metrics=deps.metrics),
            oauth_settings=OAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=list(BOT_SCOPES),
                installation_store=installation_store,
                state_store=SQLAlchemyOAuthStateStore(
                    expiration_seconds=OAUTH_STATE_EXPIRATION_SECONDS, engine=deps.db.engine
                ),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            ),
            logger=_bolt_logger(),
            listener_executor=listener_executor,
            process_before_response=True,
        )
        tokens: TokenSource = InstalledTokens(installation_store)
    else:
        assert settings.slack_bot_token is not None
        token = settings.slack_bot_token.get_secret_value()
        app = App(
            name=APP_NAME,
            signing_secret=signing_secret,
            client=make_web_client(settings.slack_api_url, token, metrics=deps.metrics),
            logger=_bolt_logger(),
            listener_executor=listener_executor,
            process_before_response=True,
        )
        tokens = StaticToken(token)
    app.use(RequestSetup(deps, post_ack, single_workspace=not settings.oauth_enabled))
    app.error(handle_listener_error)
    deps.metrics.watch_post_ack_queue(lambda: float(post_ack.stats().queued))
    registrar = Registrar(app, post_ack, member_of=acting_member_id)
    listeners.register(registrar)
    registrar.finish()
    # Build the evidence suggester's index now (about 20 ms, bench.evidence_suggest), not on the first win.
    evidence_index(deps.content)
    return BuiltApp(app=app, registrar=registrar, tokens=tokens, installation_store=installation_store)

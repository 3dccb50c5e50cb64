"""Building the Bolt app: signature checks on, listeners registered, dependencies injected."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot import listeners
from bot.slack.client import make_web_client
from bot.slack.deps import Deps
from bot.slack.errors import handle_listener_error
from bot.slack.installations import make_installation_store
from bot.slack.middleware import inject_deps
from bot.slack.registrar import PostAckExecutor, Registrar
from bot.slack.scopes import BOT_SCOPES
from bot.slack.tokens import InstalledTokens, StaticToken, TokenSource

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"
OAUTH_STATE_EXPIRATION_SECONDS = 600
# Listeners run on the HTTP thread (process_before_response=True): Bolt's default hands each one to
# its listener pool and polls every 10 ms for the ack, a hand-off that under load cost our acks more
# than the work itself (bench.load_http). The listener acks and hands its work on: trigger-bound work
# (opening a modal) to this pool at once, everything else to the bounded post-ack executor
# (bot/slack/registrar.py). 64: the 20th simultaneous click must not wait for a thread.
LISTENER_THREADS = 64


@dataclass(frozen=True)
class BuiltApp:
    app: App
    registrar: Registrar
    tokens: TokenSource
    installation_store: InstallationStore | None


def build_app(deps: Deps) -> BuiltApp:
    settings = deps.settings
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    installation_store: InstallationStore | None = None
    listener_executor = ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="trigger-bound")
    if settings.oauth_enabled:
        assert settings.slack_client_id is not None and settings.slack_client_secret is not None
        installation_store = make_installation_store(deps)
        app = App(
            signing_secret=signing_secret,
            client=make_web_client(settings.slack_api_url),
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
            logger=logging.getLogger("slack_bolt.App"),
            listener_executor=listener_executor,
            process_before_response=True,
        )
        tokens: TokenSource = InstalledTokens(installation_store)
    else:
        assert settings.slack_bot_token is not None
        token = settings.slack_bot_token.get_secret_value()
        app = App(
            signing_secret=signing_secret,
            client=make_web_client(settings.slack_api_url, token),
            logger=logging.getLogger("slack_bolt.App"),
            listener_executor=listener_executor,
            process_before_response=True,
        )
        tokens = StaticToken(token)
    app.use(inject_deps(deps))
    app.error(handle_listener_error)
    post_ack = PostAckExecutor(
        settings.stagecoach_post_ack_workers, settings.stagecoach_post_ack_queue, trigger_pool=listener_executor
    )
    registrar = Registrar(app, post_ack)
    listeners.register(registrar)
    return BuiltApp(app=app, registrar=registrar, tokens=tokens, installation_store=installation_store)

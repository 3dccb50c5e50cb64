"""Events API subscriptions."""

from __future__ import annotations

from bot.blocks import ids
from bot.listeners.events.app_home import app_home_opened
from bot.listeners.events.messages import on_message
from bot.listeners.events.uninstall import make_app_uninstalled, make_tokens_revoked
from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    store = registrar.app.installation_store
    registrar.event(ids.EVENT_APP_UNINSTALLED, make_app_uninstalled(store))
    registrar.event(ids.EVENT_TOKENS_REVOKED, make_tokens_revoked(store))
    registrar.event(ids.EVENT_APP_HOME_OPENED, app_home_opened)
    registrar.event(ids.EVENT_MESSAGE, on_message, subscription=ids.SUBSCRIPTION_MESSAGE_IM)

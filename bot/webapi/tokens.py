"""Where scheduled jobs find a workspace's bot token: the one static token, or the installation store."""

from __future__ import annotations

from typing import Protocol

from slack_sdk.oauth.installation_store import InstallationStore


class TokenSource(Protocol):
    def bot_token(self, team_id: str, enterprise_id: str | None = None) -> str | None: ...


class StaticToken:
    """Single-workspace mode: ``SLACK_BOT_TOKEN`` serves every team the bot hears from."""

    def __init__(self, token: str) -> None:
        self._token = token

    def bot_token(self, team_id: str, enterprise_id: str | None = None) -> str | None:
        return self._token


class InstalledTokens:
    """Multi-workspace mode: the token each workspace's install stored."""

    def __init__(self, store: InstallationStore) -> None:
        self._store = store

    def bot_token(self, team_id: str, enterprise_id: str | None = None) -> str | None:
        bot = self._store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        return bot.bot_token if bot is not None else None

"""Every setting the bot reads, in one place, read once at start-up.

Values come from the environment (and a ``.env`` file when present). A missing or
malformed value raises :class:`SettingsError` with one line that names the
variable and says what to do; ``python -m bot`` prints that line and exits.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./data/stagecoach.db"


class Mode(enum.StrEnum):
    """What a command needs from the settings: serving Slack, or only the database."""

    SERVE = "serve"
    TICK = "tick"
    MIGRATE = "migrate"


class SettingsError(Exception):
    """A one-line, human-readable reason the bot cannot start."""


_HINTS = {
    "SLACK_BOT_TOKEN": "set it to the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "set it to the Signing Secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "set it to an app-level token (xapp-...) with the connections:write scope, or unset it",
    "SLACK_CLIENT_ID": "set it with SLACK_CLIENT_SECRET (both from Basic Information) to enable OAuth install",
    "SLACK_CLIENT_SECRET": "set it with SLACK_CLIENT_ID (both from Basic Information) to enable OAuth install",
    "SLACK_API_URL": "set it to the Web API base URL ending in /api/, e.g. https://slack.com/api/",
    "DATABASE_URL": "set it to a SQLAlchemy URL such as sqlite:///./data/stagecoach.db or postgresql://host/db",
    "PORT": "set it to a TCP port number between 1 and 65535",
    "BOT_SCHEDULER": "set it to on or off",
    "STUCK_MINUTES": "set it to a whole number of minutes between 1 and 1440",
    "LOG_LEVEL": "set it to DEBUG, INFO, WARNING or ERROR",
    "STAGECOACH_SEND_RATE": "set it to messages per second per workspace, e.g. 20",
    "STAGECOACH_SEND_WORKERS": "set it to a whole number of sending threads between 1 and 64",
    "STAGECOACH_POST_ACK_WORKERS": "set it to a whole number of threads between 1 and 64",
    "STAGECOACH_DELIVERY_LEASE_SECONDS": "set it to a whole number of seconds between 1 and 3600",
    "STAGECOACH_POST_ACK_QUEUE": "set it to a whole number of queued jobs between 1 and 10000",
    "STAGECOACH_DRAIN_SECONDS": "set it to seconds between 0 and 60 (keep it under your orchestrator's stop timeout)",
    "GITHUB_CLIENT_ID": "set it with GITHUB_CLIENT_SECRET (both from your GitHub OAuth app) to enable /coach github",
    "GITHUB_CLIENT_SECRET": "set it with GITHUB_CLIENT_ID (both from your GitHub OAuth app) to enable /coach github",
    "GITHUB_BASE_URL": "set it to GitHub's web address, https://github.com, or your GitHub Enterprise Server's",
    "GITHUB_API_URL": "set it to the REST API base: https://api.github.com, or https://HOST/api/v3 for GHES",
    "TOKEN_ENCRYPTION_KEY": "set it to a Fernet key (python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())') or unset it",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = DEFAULT_DATABASE_URL
    port: int = Field(default=3000, ge=1, le=65535)
    bot_scheduler: bool = True
    stuck_minutes: int = Field(default=30, ge=1, le=1440)
    log_level: str = "INFO"
    token_encryption_key: SecretStr | None = None
    # "Found for you" from GitHub (issue 27): on when both OAuth app credentials are set.
    github_client_id: str | None = None
    github_client_secret: SecretStr | None = None
    github_base_url: str = "https://github.com/"
    """Where people sign in and approve (OAuth authorize and token exchange): GitHub, or an Enterprise Server."""
    github_api_url: str = "https://api.github.com/"
    """The REST API base (``/user``); GraphQL is derived from it (``/graphql``, or ``/api/graphql`` on GHES)."""
    # Delivery tuning: the defaults suit production; tests and benchmarks change them.
    stagecoach_send_rate: float = Field(default=20.0, gt=0, le=1000)
    """Messages per second per workspace (Slack answers 429 beyond its own limit; that is honoured too)."""
    stagecoach_send_workers: int = Field(default=8, ge=1, le=64)
    stagecoach_post_ack_workers: int = Field(default=32, ge=1, le=64)
    """Threads doing listeners' work after their acks. It mostly waits for Slack: with 0.3 s answers and 20
    simultaneous /stage, 2 threads answered in 8.7 s p99, 16 in 0.64-0.67 s (the last 4 waited a whole
    Slack round trip for a thread), 32 in 0.35-0.45 s (bench.load_http; see bot/slack/registrar.py)."""
    stagecoach_delivery_lease_seconds: int = Field(default=300, ge=1, le=3600)
    """How long a claimed message is held before another process may take it over."""
    # Readiness for the next stage ("consistently, for several months", not one good week).
    stagecoach_readiness_months: int = Field(default=3, ge=1, le=24)
    """How many distinct months of the window must hold next-stage evidence before "may be ready"."""
    stagecoach_readiness_window_months: int = Field(default=6, ge=1, le=24)
    """The window, in calendar months ending with the current one, that readiness looks at."""
    stagecoach_uninstall_retention_days: int = Field(default=30, ge=1, le=3650)
    """Days a workspace's data is kept after the app is uninstalled; reinstalling within them resumes
    service, after them the next tick deletes every row of that workspace."""
    stagecoach_ledger_retention_days: int = Field(default=180, ge=14, le=3650)
    """Days a finished ledger row (sent, skipped, failed) is kept after it was due; then the tick deletes it, in
    batches (``bot/tick/run.py``), and planning no longer inserts an occurrence that old. At least 14: planning
    compares against the rows of the 8 days before what it plans, and the longest grace is 2 days; a reply in a
    prompt's thread finds its row, and the nag ceiling reads the last prompts, for as long as rows are kept."""
    stagecoach_post_ack_queue: int = Field(default=100, ge=1, le=10000)
    """Post-ack jobs that may wait; past it a request is answered "busy" at once (see bot/slack/registrar.py)."""
    stagecoach_inbox_lease_seconds: float = Field(default=30.0, ge=0.5, le=3600)
    """How long an acknowledged request may stay unfinished before it is taken as interrupted (its process
    died) and dispatched again (bot/services/inbox.py). Post-ack work finishes within 1.5 s at p99
    (bench.load_http) and a job waiting over 1 s is logged, so 30 s is never a live request's."""
    stagecoach_drain_seconds: float = Field(default=7.0, ge=0, le=60)
    """On SIGTERM/SIGINT: how long in-flight requests and post-ack work may take to finish (docker stop waits 10)."""
    stagecoach_away_statuses: str = ""
    """Extra Slack statuses that mean "away", comma-separated: emoji codes (``:beach_with_umbrella:``) or words
    found in the status text (``parental leave``); added to the built-in ones (bot/nudges/availability.py)."""
    stagecoach_status_refresh_minutes: int = Field(default=30, ge=5, le=1440)
    """How often the paged users.list pass re-reads statuses and timezones (see bot/tick/directory.py)."""

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "token_encryption_key",
        "github_client_id",
        "github_client_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_scheduler", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"on", "true", "1", "yes"}:
                return True
            if lowered in {"off", "false", "0", "no"}:
                return False
            raise ValueError("expected on or off")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper()
            if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
                raise ValueError("unknown log level")
            return level
        return value

    @field_validator("slack_api_url", "github_base_url", "github_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        # `DATABASE_URL=` (docker run --env-file passes blanks through) means "the default", not "malformed".
        return DEFAULT_DATABASE_URL if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a SQLAlchemy URL") from exc
        return value

    @field_validator("token_encryption_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from cryptography.fernet import Fernet

            try:
                Fernet(value.get_secret_value().encode())
            except ValueError as exc:
                raise ValueError("not a Fernet key") from exc
        return value

    # -- derived -------------------------------------------------------------------------------

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth_enabled(self) -> bool:
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def github_enabled(self) -> bool:
        return self.github_client_id is not None and self.github_client_secret is not None

    def require(self, mode: Mode) -> None:
        """Check that the settings this mode needs are present; raise SettingsError if not."""
        if mode is Mode.MIGRATE:
            return
        if (self.github_client_id is None) != (self.github_client_secret is None):
            missing = "GITHUB_CLIENT_SECRET" if self.github_client_secret is None else "GITHUB_CLIENT_ID"
            raise SettingsError(f"{missing} is missing: {_HINTS[missing]}.")
        if self.github_enabled and self.token_encryption_key is None:
            # A GitHub token with `repo` reads (and writes) private code: never stored in plain text.
            raise SettingsError(
                "TOKEN_ENCRYPTION_KEY is missing: /coach github stores people's GitHub tokens, encrypted with it; "
                f"{_HINTS['TOKEN_ENCRYPTION_KEY']}."
            )
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_secret is None else "SLACK_CLIENT_ID"
            raise SettingsError(f"{missing} is missing: {_HINTS[missing]}.")
        if self.slack_bot_token is None and self.socket_mode and not self.oauth_enabled:
            raise SettingsError(
                f"SLACK_BOT_TOKEN is missing: Socket Mode (SLACK_APP_TOKEN is set) needs it too; "
                f"{_HINTS['SLACK_BOT_TOKEN']}."
            )
        if self.slack_bot_token is None and not self.oauth_enabled:
            raise SettingsError(
                f"SLACK_BOT_TOKEN is missing: {_HINTS['SLACK_BOT_TOKEN']} "
                "(or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for multi-workspace install)."
            )
        if self.slack_bot_token is not None and not self.slack_bot_token.get_secret_value().startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN does not look like a bot token: it should start with xoxb-.")
        if mode is Mode.TICK:
            return
        if self.socket_mode:
            if not self.slack_app_token or not self.slack_app_token.get_secret_value().startswith("xapp-"):
                raise SettingsError(
                    "SLACK_APP_TOKEN does not look like an app-level token: it should start with xapp-."
                )
            if self.slack_bot_token is None:
                raise SettingsError(f"SLACK_BOT_TOKEN is missing: Socket Mode needs it; {_HINTS['SLACK_BOT_TOKEN']}.")
        elif self.slack_signing_secret is None:
            raise SettingsError(f"SLACK_SIGNING_SECRET is missing: {_HINTS['SLACK_SIGNING_SECRET']}.")


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read the settings once; turn pydantic's errors into one line naming the variable."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        hint = _HINTS.get(variable, "check its value")
        raise SettingsError(f"{variable} is malformed ({error['msg']}): {hint}.") from None


def configure_logging(level: str) -> None:
    from bot.logs import install_log_handler

    install_log_handler(logging.getLevelName(level))

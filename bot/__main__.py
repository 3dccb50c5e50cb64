"""``python -m bot`` (serve), ``python -m bot migrate``, ``python -m bot tick [--at ISO-8601]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Mode, Settings, SettingsError, configure_logging, load_settings

if TYPE_CHECKING:
    from bot.slack.app import BuiltApp
    from bot.slack.deps import Deps

log = logging.getLogger("bot")


class StartupError(Exception):
    """A one-line reason to stop, printed without a traceback."""


def _parse_at(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--at {raw!r} is not an ISO-8601 time (e.g. 2026-11-20T21:00:00Z)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Stagecoach, the career-coaching Slack bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="start the bot (the default)")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    tick = commands.add_parser("tick", help="run one scheduler tick and exit")
    tick.add_argument("--at", type=_parse_at, default=None, help="act as if the clock read this time (ISO-8601)")
    return parser


def _check_data_folder(settings: Settings) -> None:
    """A SQLite database's folder must be writable by this process (SQLite also writes its WAL beside it).

    Without this the container's first sign of a root-owned volume was "unable to open database file".
    """
    from bot.db.engine import normalise_url

    url = normalise_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    database = Path(url.database)
    folder = Path(os.path.realpath(database.parent))
    uid = os.getuid()
    fix = f"make it writable by that user (e.g. chown {uid} {folder}) or point DATABASE_URL elsewhere"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(
            f"DATABASE_URL: cannot create the data folder {folder} as user id {uid} ({exc.strerror}); {fix}."
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StartupError(f"DATABASE_URL: the data folder {folder} is not writable by user id {uid}; {fix}.")
    if database.exists() and not os.access(database, os.R_OK | os.W_OK):
        raise StartupError(
            f"DATABASE_URL: the database file {database.resolve()} in the data folder {folder} is not writable "
            f"by user id {uid}; {fix}."
        )


def _migrate(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.migrate import upgrade_to_head

    _check_data_folder(settings)
    try:
        upgrade_to_head(settings.database_url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(
            f"DATABASE_URL: cannot migrate the database ({reason}); check the URL and that it is up."
        ) from None


def _deps(settings: Settings) -> Deps:
    from bot.db.engine import Database
    from bot.slack.deps import Deps
    from content import load_content

    return Deps(settings=settings, db=Database.from_url(settings.database_url), content=load_content())


def _build(settings: Settings) -> tuple[Deps, BuiltApp]:
    from slack_bolt.error import BoltError

    from bot.slack.app import build_app

    deps = _deps(settings)
    try:
        return deps, build_app(deps)
    except BoltError as exc:
        raise StartupError(
            f"SLACK_BOT_TOKEN was refused by Slack ({exc}); check the token and SLACK_API_URL."
        ) from None


def serve(settings: Settings) -> None:
    settings.require(Mode.SERVE)
    if settings.oauth_enabled and settings.token_encryption_key is None:
        log.warning(
            "OAuth install is on but TOKEN_ENCRYPTION_KEY is not set: installed bot tokens are stored in the "
            "database unencrypted; set TOKEN_ENCRYPTION_KEY to a Fernet key to encrypt them"
        )
    _migrate(settings)
    deps, built = _build(settings)
    scheduler = None
    if settings.bot_scheduler:
        from bot.nudges.scheduler import start_scheduler

        scheduler = start_scheduler(deps, built.tokens)
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            from bot.server import serve_health_in_background

            assert settings.slack_app_token is not None
            serve_health_in_background(deps.db, settings.port, deps.metrics)
            log.info("starting in Socket Mode")
            SocketModeHandler(built.app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
        else:
            from bot.server import StagecoachWsgi
            from bot.server import serve as serve_http

            serve_http(StagecoachWsgi(built.app, deps.db, deps.metrics), settings.port)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def tick(settings: Settings, at: datetime | None) -> None:
    settings.require(Mode.TICK)
    _migrate(settings)
    from bot.nudges.tick import run_tick
    from bot.slack.tokens import InstalledTokens, StaticToken, TokenSource

    deps = _deps(settings)
    tokens: TokenSource
    if settings.oauth_enabled:
        from bot.slack.installations import make_installation_store

        tokens = InstalledTokens(make_installation_store(deps))
    else:
        assert settings.slack_bot_token is not None
        tokens = StaticToken(settings.slack_bot_token.get_secret_value())
    report = run_tick(deps, tokens, at or deps.clock())
    print(report.summary())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "migrate":
            _migrate(settings)
            print("database is at the latest schema")
        elif args.command == "tick":
            tick(settings, args.at)
        else:
            serve(settings)
    except (SettingsError, StartupError) as exc:
        print(f"stagecoach: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bot`` (serve), ``python -m bot migrate``, ``python -m bot tick [--at ISO-8601]``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from datetime import UTC, datetime
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


def _migrate(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.migrate import upgrade_to_head

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


def _stop_on_signals() -> threading.Event:
    """SIGTERM (docker stop, rolling deploys) and SIGINT (Ctrl-C) both ask for a graceful stop."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        if not stop.is_set():
            log.info("stopping: finishing in-flight work", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _bounded(description: str, work: object, deadline: float) -> None:
    """Run ``work()`` in a helper thread and give up on it at ``deadline`` (a stop must stay bounded)."""
    assert callable(work)
    thread = threading.Thread(target=work, name=description, daemon=True)
    thread.start()
    thread.join(max(0.1, deadline - time.monotonic()))
    if thread.is_alive():
        log.warning("stopping without waiting further", extra={"step": description})


def serve(settings: Settings) -> None:
    settings.require(Mode.SERVE)
    _migrate(settings)
    deps, built = _build(settings)
    stop = _stop_on_signals()
    scheduler = None
    if settings.bot_scheduler:
        from bot.nudges.scheduler import start_scheduler

        scheduler = start_scheduler(deps, built.tokens)
    deadline = float("inf")
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            from bot.server import serve_health_in_background

            assert settings.slack_app_token is not None
            serve_health_in_background(deps.db, settings.port, built.registrar.post_ack)
            log.info("starting in Socket Mode")
            handler = SocketModeHandler(built.app, settings.slack_app_token.get_secret_value())
            handler.connect()  # type: ignore[no-untyped-call]
            while not stop.wait(0.5):
                pass
            deadline = time.monotonic() + settings.stagecoach_drain_seconds
            # Envelopes already acked finish first; then the connection closes (Slack sends the rest elsewhere).
            built.registrar.post_ack.shutdown(max(0.0, deadline - time.monotonic()))
            handler.close()  # type: ignore[no-untyped-call]
        else:
            from bot.server import StagecoachWsgi
            from bot.server import serve as serve_http

            wsgi = StagecoachWsgi(built.app, deps.db, post_ack=built.registrar.post_ack)
            serve_http(wsgi, settings.port, stop=stop, drain_seconds=settings.stagecoach_drain_seconds)
            deadline = time.monotonic() + settings.stagecoach_drain_seconds
            built.registrar.post_ack.shutdown(max(0.0, deadline - time.monotonic()))
    finally:
        if scheduler is not None:
            if deadline == float("inf"):
                scheduler.shutdown(wait=False)
            else:
                # A tick in progress finishes its claimed sends (the ledger covers the rest after a restart).
                _bounded("scheduler shutdown", lambda: scheduler.shutdown(wait=True), deadline + 0.5)
    log.info("stopped")


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

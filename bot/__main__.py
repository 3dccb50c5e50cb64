"""``python -m bot`` (serve), ``python -m bot migrate``, ``python -m bot tick [--at ISO-8601]``."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Mode, Settings, SettingsError, configure_logging, load_settings

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.slack.app import BuiltApp

log = logging.getLogger("bot")

# Start-up asks Slack once, without retries: Slack answers auth.test in well under 1 s, so 5 s
# tells a dead or blackholed Web API from a slow one (with the client's retries and 10 s timeout
# an unreachable API took 7 s and ended in a traceback).
STARTUP_CHECK_TIMEOUT_SECONDS = 5


class StartupError(Exception):
    """A one-line reason to stop, printed without a traceback."""


# The planners look back weeks and the lifecycle purge looks back the retention period from ``--at``;
# datetime ends at years 1 and 9999, so an instant near either end overflows (0001-01-01T00:00+14:00
# is already before year 1 in UTC). A century either side of today is more than any tick needs.
EARLIEST_AT = datetime(1971, 1, 1, tzinfo=UTC)
LATEST_AT = datetime(9000, 1, 1, tzinfo=UTC)


def _parse_at(raw: str) -> datetime:
    """``--at`` as an aware UTC instant; a :class:`StartupError` (one line, exit 2) for anything else."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        instant = value.astimezone(UTC)
    except ValueError:
        raise StartupError(f"--at {raw!r} is not an ISO-8601 time (e.g. 2026-11-20T21:00:00Z)") from None
    except OverflowError:
        instant = EARLIEST_AT - timedelta(days=1)
    if not EARLIEST_AT <= instant < LATEST_AT:
        raise StartupError(
            f"--at {raw!r} is outside the times the scheduler handles "
            f"({EARLIEST_AT:%Y-%m-%d} to {LATEST_AT:%Y-%m-%d} UTC)"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Stagecoach, the career-coaching Slack bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="start the bot (the default)")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    tick = commands.add_parser("tick", help="run one scheduler tick and exit")
    tick.add_argument("--at", default=None, help="act as if the clock read this time (ISO-8601)")
    return parser


def _check_database_driver(database_url: str) -> None:
    """A URL naming a dialect or driver this install lacks (``mysql://``) stops here, in one line."""
    from sqlalchemy.exc import NoSuchModuleError

    from bot.db.engine import normalise_url

    url = normalise_url(database_url)
    try:
        url.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise StartupError(
            f"DATABASE_URL: {url.drivername!r} is not a database SQLAlchemy knows; "
            "use postgresql://... (production) or sqlite:///... ."
        ) from None
    except ImportError as exc:
        raise StartupError(
            f"DATABASE_URL: the database driver for {url.drivername} is not installed (no module {exc.name!r}); "
            "install it, or use postgresql://... (production) or sqlite:///... ."
        ) from None


def _check_slack(settings: Settings) -> None:
    """Ask the Web API once, no retries, short timeout: unreachable, or a token refused, is one line."""
    from slack_sdk.errors import SlackApiError

    from bot.webapi.client import make_web_client

    # slack_sdk logs a failed call at ERROR before raising; here the one line below says it all.
    quiet = logging.getLogger("bot.startup_check")
    quiet.propagate = False
    quiet.addHandler(logging.NullHandler())
    client = make_web_client(settings.slack_api_url, handlers=[], timeout=STARTUP_CHECK_TIMEOUT_SECONDS, logger=quiet)
    checks: list[tuple[str | None, Callable[[], object]]] = []
    if settings.slack_bot_token is not None:
        bot_token = settings.slack_bot_token.get_secret_value()
        checks.append(("SLACK_BOT_TOKEN", lambda: client.auth_test(token=bot_token)))
    else:
        checks.append((None, client.api_test))  # OAuth mode: no token to check, only that the Web API answers
    if settings.slack_app_token is not None:
        app_token = settings.slack_app_token.get_secret_value()
        checks.append(("SLACK_APP_TOKEN", lambda: client.apps_connections_open(app_token=app_token)))
    for variable, call in checks:
        try:
            call()
        except SlackApiError as exc:
            if variable is None:
                continue  # the Web API answered, which is all api.test is asked here
            data = exc.response.data
            reason = (data.get("error") if isinstance(data, dict) else None) or f"HTTP {exc.response.status_code}"
            if reason.startswith("Received a response in a non-JSON format"):  # slack_sdk's words for it
                raise StartupError(
                    f"SLACK_API_URL: {settings.slack_api_url} did not answer like the Slack Web API "
                    f"(HTTP {exc.response.status_code}, not JSON); check SLACK_API_URL and any proxy."
                ) from None
            raise StartupError(
                f"{variable} was refused by Slack ({reason}); check the token and SLACK_API_URL."
            ) from None
        except (OSError, ValueError) as exc:
            # URLError, refused or reset connections and timeouts are OSErrors; a body that is not
            # JSON (SLACK_API_URL pointing at some other server) is a ValueError.
            reason = str(getattr(exc, "reason", None) or exc or type(exc).__name__).strip().splitlines()[0]
            raise StartupError(
                f"SLACK_API_URL: cannot reach the Slack Web API at {settings.slack_api_url} ({reason}); "
                "check the network, any proxy, and SLACK_API_URL."
            ) from None


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

    _check_database_driver(settings.database_url)
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
    from bot.deps import Deps
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
    except OSError as exc:  # the Web API went away between _check_slack and Bolt's own auth.test
        raise StartupError(
            f"SLACK_API_URL: cannot reach the Slack Web API at {settings.slack_api_url} ({exc}); "
            "check the network, any proxy, and SLACK_API_URL."
        ) from None


class StopSignal(threading.Event):
    """Set on SIGTERM/SIGINT; remembers when, so every step of the stop shares one deadline.

    ``docker stop`` sends SIGKILL 10 s after SIGTERM: with the HTTP drain and the post-ack drain each
    given ``STAGECOACH_DRAIN_SECONDS`` of their own, the two could take 14 s; from one deadline, 7.
    """

    requested_at = float("inf")

    def deadline(self, drain_seconds: float) -> float:
        return self.requested_at + drain_seconds


def _stop_on_signals() -> StopSignal:
    """SIGTERM (docker stop, rolling deploys) and SIGINT (Ctrl-C) both ask for a graceful stop."""
    stop = StopSignal()

    def on_signal(signum: int, _frame: object) -> None:
        if not stop.is_set():
            stop.requested_at = time.monotonic()
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
    # Everything an operator can get wrong is checked before the database is touched, each failure
    # one line: the database driver, the Web API and tokens, the port.
    _check_database_driver(settings.database_url)
    _check_slack(settings)
    from bot.server import listen

    try:
        listener = listen(settings.port)
    except OSError as exc:
        raise StartupError(
            f"PORT {settings.port}: cannot listen ({os.strerror(exc.errno) if exc.errno else exc}); "
            "another process may be using it, set PORT to a free one."
        ) from None
    if settings.oauth_enabled and settings.token_encryption_key is None:
        log.warning(
            "OAuth install is on but TOKEN_ENCRYPTION_KEY is not set: installed bot tokens are stored in the "
            "database unencrypted; set TOKEN_ENCRYPTION_KEY to a Fernet key to encrypt them"
        )
    _migrate(settings)
    deps, built = _build(settings)
    # What start-up built (content, Bolt, SQLAlchemy's mappers) lives as long as the process. Frozen, the
    # cyclic GC stops re-scanning it: its full collections paused every thread 56-66 ms in the middle
    # of bench.load_http's bursts (the ack p99 of that burst); none over 5 ms once frozen.
    gc.freeze()
    stop = _stop_on_signals()
    scheduler = None
    if settings.bot_scheduler:
        from bot.tick.scheduler import start_scheduler

        scheduler = start_scheduler(deps, built.tokens)
    from bot.slack.resume import Resumer

    # Requests a crash interrupted (acked, stored, not finished) are dispatched again from here.
    Resumer(built.app, deps, built.registrar.post_ack).start(stop)
    deadline = float("inf")
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            from bot.server import serve_health_in_background
            from bot.slack.github_oauth import web_pages

            assert settings.slack_app_token is not None
            serve_health_in_background(deps.db, listener, deps.metrics, built.registrar.post_ack, web_pages(deps))
            log.info("starting in Socket Mode")
            handler = SocketModeHandler(built.app, settings.slack_app_token.get_secret_value())
            handler.connect()  # type: ignore[no-untyped-call]
            while not stop.wait(0.5):
                pass
            deadline = stop.deadline(settings.stagecoach_drain_seconds)
            # Envelopes already acked finish first; then the connection closes (Slack sends the rest elsewhere).
            built.registrar.post_ack.shutdown(max(0.0, deadline - time.monotonic()))
            handler.close()  # type: ignore[no-untyped-call]
        else:
            from bot.server import StagecoachWsgi
            from bot.server import serve as serve_http

            assert settings.slack_signing_secret is not None
            secret = settings.slack_signing_secret.get_secret_value()
            from bot.slack.github_oauth import web_pages

            wsgi = StagecoachWsgi(
                built.app, deps.db, secret, deps.metrics, post_ack=built.registrar.post_ack, pages=web_pages(deps)
            )
            serve_http(wsgi, listener, stop=stop, drain_seconds=settings.stagecoach_drain_seconds)
            deadline = stop.deadline(settings.stagecoach_drain_seconds)
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
    from bot.tick.run import run_tick
    from bot.webapi.tokens import InstalledTokens, StaticToken, TokenSource

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
            tick(settings, _parse_at(args.at) if args.at is not None else None)
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

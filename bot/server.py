"""HTTP mode: one WSGI app for Slack's requests and the health check, served by waitress."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import Database
from bot.slack.app import EVENTS_PATH

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from slack_bolt import App

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
SERVER_THREADS = 16
HEALTH_TIMEOUT_SECONDS = 1.5
"""Container and load-balancer probes commonly time out at 2 s: answer 503 before they give up."""


class StagecoachWsgi:
    """Routes: ``POST /slack/events`` (and the OAuth pages) to Bolt, ``GET /healthz`` to a DB ping."""

    def __init__(self, app: App | None, db: Database) -> None:
        # app is None in Socket Mode, where only the health check is served over HTTP.
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
        self._db = db

    def health(self) -> tuple[str, dict[str, str]]:
        try:
            self._db.ping(timeout=HEALTH_TIMEOUT_SECONDS)
        except SQLAlchemyError as exc:
            log.warning("health check: database not answering", extra={"error": type(exc).__name__})
            return "503 Service Unavailable", {"status": "unavailable", "database": "unreachable"}
        return "200 OK", {"status": "ok", "database": "ok"}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            status, payload = self.health()
            body = json.dumps(payload).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if self._slack is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        return self._slack(environ, start_response)


def serve(wsgi: StagecoachWsgi, port: int, host: str = "0.0.0.0", threads: int = SERVER_THREADS) -> None:  # noqa: S104
    """Serve until the process ends (a server listens on all interfaces; the platform decides exposure)."""
    from waitress import serve as waitress_serve

    log.info("serving HTTP", extra={"port": port, "threads": threads})
    waitress_serve(wsgi, host=host, port=port, threads=threads, ident="stagecoach")


def serve_health_in_background(db: Database, port: int) -> threading.Thread:
    """Socket Mode has no HTTP server; this keeps ``GET /healthz`` for container health checks."""
    thread = threading.Thread(
        target=serve, args=(StagecoachWsgi(None, db), port), kwargs={"threads": 2}, daemon=True, name="healthz"
    )
    thread.start()
    return thread

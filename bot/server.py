"""HTTP mode: one WSGI app for Slack's requests and the health check, served by waitress."""

from __future__ import annotations

import json
import logging
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


class StagecoachWsgi:
    """Routes: ``POST /slack/events`` (and the OAuth pages) to Bolt, ``GET /healthz`` to a DB ping."""

    def __init__(self, app: App, db: Database) -> None:
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self._db = db

    def health(self) -> tuple[str, dict[str, str]]:
        try:
            self._db.ping()
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
        return self._slack(environ, start_response)


def serve(wsgi: StagecoachWsgi, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - a server listens on all interfaces
    from waitress import serve as waitress_serve

    log.info("serving HTTP", extra={"port": port, "threads": SERVER_THREADS})
    waitress_serve(wsgi, host=host, port=port, threads=SERVER_THREADS, ident="stagecoach")

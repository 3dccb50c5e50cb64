"""HTTP mode: one WSGI app for Slack's requests, the health check and the metrics, served by waitress."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import Database
from bot.metrics import Metrics
from bot.slack.app import EVENTS_PATH
from bot.slack.instrumentation import KIND_KEY, RECEIVED_AT_KEY, request_kind

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from slack_bolt import App

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
SERVER_THREADS = 16


class MeteredSlackRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler, timing each request from its arrival to its ack (Bolt's HTTP response).

    The arrival time and kind go into the request's Bolt context, where the answer clock picks them up
    (bot/slack/instrumentation.py).
    """

    def __init__(self, app: App, metrics: Metrics, path: str) -> None:
        super().__init__(app, path=path)
        self.metrics = metrics

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        received_at = time.perf_counter()
        bolt_request = BoltRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        kind = request_kind(bolt_request.body)
        bolt_request.context[RECEIVED_AT_KEY] = received_at
        bolt_request.context[KIND_KEY] = kind
        self.metrics.observe_request(kind)
        response = self.app.dispatch(bolt_request)
        self.metrics.observe_ack(kind, time.perf_counter() - received_at)
        return response


class StagecoachWsgi:
    """Routes: ``POST /slack/events`` (and the OAuth pages) to Bolt, ``GET /healthz`` to a DB ping,
    ``GET /metrics`` to the Prometheus text exposition of ``metrics``."""

    def __init__(self, app: App | None, db: Database, metrics: Metrics | None = None) -> None:
        # app is None in Socket Mode, where only the health check and the metrics are served over HTTP.
        self.metrics = metrics if metrics is not None else Metrics()
        self._slack = MeteredSlackRequestHandler(app, self.metrics, EVENTS_PATH) if app is not None else None
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
        if environ.get("PATH_INFO") == METRICS_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            body, content_type = self.metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
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


def serve_health_in_background(db: Database, port: int, metrics: Metrics | None = None) -> threading.Thread:
    """Socket Mode has no HTTP server; this keeps ``GET /healthz`` (container health checks) and ``/metrics``."""
    thread = threading.Thread(
        target=serve, args=(StagecoachWsgi(None, db, metrics), port), kwargs={"threads": 2}, daemon=True, name="healthz"
    )
    thread.start()
    return thread

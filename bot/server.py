"""HTTP mode: one WSGI app for Slack's requests and the health check, served by waitress."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import Database
from bot.slack.app import EVENTS_PATH

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from slack_bolt import App

    from bot.slack.registrar import PostAckExecutor

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
SERVER_THREADS = 16
STOP_POLL_SECONDS = 0.1
"""How often the serving loop looks for a stop signal."""


class StagecoachWsgi:
    """Routes: ``POST /slack/events`` (and the OAuth pages) to Bolt, ``GET /healthz`` to a DB ping."""

    def __init__(self, app: App | None, db: Database, post_ack: PostAckExecutor | None = None) -> None:
        # app is None in Socket Mode, where only the health check is served over HTTP.
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
        self._db = db
        self._post_ack = post_ack
        self._lock = threading.Lock()
        self.in_flight = 0
        """Slack requests being handled now (each ends with its ack): what a graceful stop waits for."""
        self.draining = False
        """Set on SIGTERM/SIGINT: Slack requests get 503 (unacked, so Slack tells the sender)."""

    def health(self) -> tuple[str, dict[str, Any]]:
        work: dict[str, Any] = {"post_ack": self._post_ack.stats().as_dict()} if self._post_ack else {}
        work["in_flight"] = self.in_flight
        try:
            self._db.ping()
        except SQLAlchemyError as exc:
            log.warning("health check: database not answering", extra={"error": type(exc).__name__})
            return "503 Service Unavailable", {"status": "unavailable", "database": "unreachable", **work}
        return "200 OK", {"status": "ok", "database": "ok", **work}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            status, payload = self.health()
            body = json.dumps(payload).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if self._slack is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        if self.draining:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
            return [b"shutting down"]
        with self._lock:
            self.in_flight += 1
        try:
            return self._slack(environ, start_response)
        finally:
            with self._lock:
                self.in_flight -= 1


def serve(
    wsgi: StagecoachWsgi,
    port: int,
    host: str = "0.0.0.0",  # noqa: S104
    threads: int = SERVER_THREADS,
    stop: threading.Event | None = None,
    drain_seconds: float = 0.0,
) -> None:
    """Serve until ``stop`` is set (or the process ends), then stop gracefully within ``drain_seconds``.

    A server listens on all interfaces; the platform decides exposure.
    """
    from waitress.server import create_server

    server: Any = create_server(wsgi, host=host, port=port, threads=threads, ident="stagecoach")
    log.info("serving HTTP", extra={"port": port, "threads": threads})
    if stop is None:
        server.run()
        return
    while not stop.is_set():
        server.asyncore.loop(timeout=STOP_POLL_SECONDS, map=server._map, count=1)
    stop_serving(server, wsgi, time.monotonic() + drain_seconds)


def stop_serving(server: Any, wsgi: StagecoachWsgi, deadline: float) -> None:
    """Close the listening socket, let requests already in finish (their acks go out), close the rest."""
    from waitress import wasyncore

    wsgi.draining = True
    wasyncore.dispatcher.close(server)  # the listening socket only: no new connections from here
    while time.monotonic() < deadline:
        busy = wsgi.in_flight or any(
            channel.requests or channel.total_outbufs_len for channel in list(server.active_channels.values())
        )
        if not busy:
            break
        server.asyncore.loop(timeout=0.02, map=server._map, count=1)
    else:
        log.warning("stopping with HTTP requests unanswered", extra={"in_flight": wsgi.in_flight})
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
    wasyncore.close_all(server._map)
    log.info("HTTP server stopped")


def serve_health_in_background(db: Database, port: int, post_ack: PostAckExecutor | None = None) -> threading.Thread:
    """Socket Mode has no HTTP server; this keeps ``GET /healthz`` for container health checks."""
    wsgi = StagecoachWsgi(None, db, post_ack=post_ack)
    thread = threading.Thread(target=serve, args=(wsgi, port), kwargs={"threads": 2}, daemon=True, name="healthz")
    thread.start()
    return thread

"""HTTP mode: one WSGI app for Slack's requests, the health check and the metrics, served by waitress."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import Database
from bot.metrics import Metrics
from bot.slack.app import EVENTS_PATH
from bot.slack.instrumentation import KIND_KEY, RECEIVED_AT_KEY, request_kind

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from slack_bolt import App

    from bot.slack.executor import PostAckExecutor

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
SERVER_THREADS = 16
# Slack's largest payloads (a view_submission of a full 100-block modal) are tens of kB; 1 MB leaves
# a wide margin and keeps an unsigned body from costing more than a bounded read (waitress's own
# default is 1 GiB).
MAX_REQUEST_BODY_BYTES = 1024 * 1024

# Slack sends a Unix time in seconds and "v0=" + 64 hex digits. Anything else (a proxy joining two
# headers as "123, 456", "1e3", non-ASCII) is refused here: slack_sdk's verifier calls int() on the
# timestamp and hmac.compare_digest() on the signature, which raise on such values instead of refusing.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


SSL_CHECK = ("200 OK", "ssl_check")
"""The gate's answer to Slack's certificate check: 200, and nothing else happens."""
_SSL_CHECK_MOST_BYTES = 512
"""Slack's ssl_check body is ``ssl_check=1&token=…`` (a legacy token of ~24 characters): tens of bytes."""


def is_ssl_check_form(environ: WSGIEnvironment, raw_length: str) -> bool:
    """Whether an unsigned request may be Slack's ``ssl_check``: a small form post (read, then checked)."""
    content_type = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    small = raw_length.isascii() and raw_length.isdigit() and int(raw_length) <= _SSL_CHECK_MOST_BYTES
    return content_type == "application/x-www-form-urlencoded" and small


def is_ssl_check(body: bytes) -> bool:
    """``ssl_check=1`` with at most Slack's ``token`` beside it: Slack checking the certificate of the
    Request URL of a slash command. Slack signs none of these; Bolt would answer 200 too, but the gate
    refused them before Bolt saw them (401), so the URL failed Slack's check."""
    try:
        fields = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return fields.get("ssl_check") == ["1"] and set(fields) <= {"ssl_check", "token"}


class RequestGate:
    """Refuses what Slack did not sign before any of it reaches Bolt: no parsing, no logging of the body.

    Bolt verifies signatures too, but only after building a ``BoltRequest`` (which decodes and
    parses the body), and a malformed header makes its check raise into the app's error handler
    with the unverified body. Here the headers are checked first, the size next (from
    Content-Length, before reading), and the signature (slack_sdk's verifier) over the bounded
    read last. Checking twice costs 9 us a request (3 kB body, measured), against acks of 5-15 ms.
    """

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def check(self, environ: WSGIEnvironment) -> tuple[str, str] | None:
        """None when the request may go on (its body then re-readable in ``wsgi.input``), :data:`SSL_CHECK` for
        Slack's unsigned certificate check, else a refusal."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        signed = _TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature)
        raw_length = environ.get("CONTENT_LENGTH") or "0"
        if not signed and not is_ssl_check_form(environ, raw_length):
            return "401 Unauthorized", "missing or malformed signature headers"
        if not raw_length.isascii() or not raw_length.isdigit():
            return "400 Bad Request", "malformed Content-Length"
        length = int(raw_length)
        if length > MAX_REQUEST_BODY_BYTES:
            return "413 Request Entity Too Large", "body over the size limit"
        body = environ["wsgi.input"].read(length) if length else b""
        if not signed:
            return SSL_CHECK if is_ssl_check(body) else ("401 Unauthorized", "missing or malformed signature headers")
        try:
            # Slack's bodies are always UTF-8; the verifier (and Bolt after it) decode them and raise
            # on anything else, so such a body is refused as not Slack's before either sees it.
            body.decode("utf-8")
        except UnicodeDecodeError:
            return "401 Unauthorized", "body is not UTF-8"
        if not self._verifier.is_valid(body, timestamp, signature):
            return "401 Unauthorized", "wrong or expired signature"
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return None


HEALTH_TIMEOUT_SECONDS = 1.5
"""Container and load-balancer probes commonly time out at 2 s: answer 503 before they give up."""


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


STOP_POLL_SECONDS = 0.1
"""How often the serving loop looks for a stop signal."""


class StagecoachWsgi:
    """Routes: ``POST /slack/events`` (and the OAuth pages) to Bolt, behind the signature gate; ``GET /healthz``
    to a DB ping; ``GET /metrics`` to the Prometheus text exposition of ``metrics``."""

    def __init__(
        self,
        app: App | None,
        db: Database,
        signing_secret: str = "",
        metrics: Metrics | None = None,
        post_ack: PostAckExecutor | None = None,
        pages: Mapping[str, Callable[[WSGIEnvironment], tuple[str, str]]] | None = None,
    ) -> None:
        # app is None in Socket Mode, where only the health check and the metrics are served over HTTP.
        if app is not None and not signing_secret:
            raise ValueError("HTTP mode needs the signing secret to verify Slack's requests")
        self.metrics = metrics if metrics is not None else Metrics()
        self._slack = MeteredSlackRequestHandler(app, self.metrics, EVENTS_PATH) if app is not None else None
        self._gate = RequestGate(signing_secret) if app is not None else None
        self._db = db
        self._post_ack = post_ack
        self._pages = dict(pages or {})
        """GET pages outside Slack's signed requests (the GitHub OAuth callback): path → (status, HTML)."""
        self._lock = threading.Lock()
        self.in_flight = 0
        """Slack requests being handled now (each ends with its ack): what a graceful stop waits for."""
        self.draining = False
        """Set on SIGTERM/SIGINT: Slack requests get 503 (unacked, so Slack tells the sender)."""

    def health(self) -> tuple[str, dict[str, Any]]:
        work: dict[str, Any] = {"post_ack": self._post_ack.stats().as_dict()} if self._post_ack else {}
        work["in_flight"] = self.in_flight
        try:
            self._db.ping(timeout=HEALTH_TIMEOUT_SECONDS)
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
        if environ.get("PATH_INFO") == METRICS_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            body, content_type = self.metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        page = self._pages.get(str(environ.get("PATH_INFO")))
        if page is not None and environ.get("REQUEST_METHOD") == "GET":
            status, html_text = page(environ)
            body = html_text.encode()
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
            start_response(status, [*headers, ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer")])
            return [body]
        if self._slack is None or self._gate is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            refusal = self._gate.check(environ)
            if refusal == SSL_CHECK:
                self.metrics.observe_request("ssl_check")
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
                return [b""]
            if refusal is not None:
                status, reason = refusal
                # Counted, never parsed: a rising "refused" rate is a misconfigured secret or an attack.
                self.metrics.observe_request("refused")
                log.warning("refused a request", extra={"status": int(status[:3]), "reason": reason})
                body = json.dumps({"error": "invalid request"}).encode()
                start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]
        if self.draining:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
            return [b"shutting down"]
        with self._lock:
            self.in_flight += 1
        try:
            if self._post_ack is None:
                return self._slack(environ, start_response)
            with self._post_ack.acks:
                return self._slack(environ, start_response)
        finally:
            with self._lock:
                self.in_flight -= 1


def listen(port: int, host: str = "0.0.0.0") -> socket.socket:  # noqa: S104
    """Bind the port first thing, so a busy port stops start-up (an OSError) before any other work.

    A server listens on all interfaces; the platform decides exposure.
    """
    return socket.create_server((host, port), backlog=1024)  # waitress's own default backlog


def serve(
    wsgi: StagecoachWsgi,
    listener: socket.socket,
    threads: int = SERVER_THREADS,
    stop: threading.Event | None = None,
    drain_seconds: float = 0.0,
) -> None:
    """Serve on a socket from :func:`listen` until ``stop`` is set (or the process ends), then stop
    gracefully within ``drain_seconds``."""
    from waitress.server import create_server

    server: Any = create_server(
        wsgi,
        sockets=[listener],
        threads=threads,
        ident="stagecoach",
        # waitress answers 413 itself from Content-Length, before reading the body; it refuses
        # lengths >= its limit, hence the +1 for "over 1 MB" to mean the same as RequestGate's check.
        max_request_body_size=MAX_REQUEST_BODY_BYTES + 1,
    )
    # listen() bound the socket before start-up finished, so connections (health probes) may already wait
    # in its backlog. waitress counts a thread that has not yet reached its idle wait as busy and warns
    # "Task queue depth is 1" at the first request; let its threads settle first (a few ms; 1 s at most).
    settle_until = time.monotonic() + 1.0
    while server.task_dispatcher.active_count > 0 and time.monotonic() < settle_until:
        time.sleep(0.005)
    log.info("serving HTTP", extra={"port": listener.getsockname()[1], "threads": threads})
    if stop is None:
        server.run()
        return
    # A private attribute, on purpose: waitress 3.0's only public loop is server.run(), which never returns;
    # stopping on a flag means turning its loop ourselves, over the socket map run() itself passes
    # (``_map``, the same in waitress 1.4-3.0.2). Pinned below 4 in pyproject.toml.
    while not stop.is_set():
        server.asyncore.loop(timeout=STOP_POLL_SECONDS, map=server._map, count=1)
    stop_serving(server, wsgi, time.monotonic() + drain_seconds)


def stop_serving(server: Any, wsgi: StagecoachWsgi, deadline: float) -> None:
    """Close the listening socket, let requests already in finish (their acks go out), close the rest."""
    from waitress import wasyncore

    wsgi.draining = True
    # The listening socket only: no new connections from here (one socket from listen(): waitress
    # serves it with a single TcpWSGIServer).
    wasyncore.dispatcher.close(server)
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


def serve_health_in_background(
    db: Database,
    listener: socket.socket,
    metrics: Metrics | None = None,
    post_ack: PostAckExecutor | None = None,
    pages: Mapping[str, Callable[[WSGIEnvironment], tuple[str, str]]] | None = None,
) -> threading.Thread:
    """Socket Mode has no HTTP server; this keeps ``GET /healthz`` (container health checks), ``/metrics`` and
    the GET ``pages`` (the GitHub OAuth callback)."""
    wsgi = StagecoachWsgi(None, db, metrics=metrics, post_ack=post_ack, pages=pages)
    thread = threading.Thread(target=serve, args=(wsgi, listener), kwargs={"threads": 2}, daemon=True, name="healthz")
    thread.start()
    return thread

"""Keep-alive connections for the Web API and ``response_url`` calls.

slack_sdk's sync clients send each call through ``urllib.request.urlopen``, which opens a new
connection (over HTTPS: a new TCP and TLS handshake) for every call and closes it after. slack_sdk
offers no pluggable session for its sync clients and Bolt builds a plain client per request, so this
module swaps in one thing: the single method each client sends through
(``_perform_urllib_http_request_internal`` / ``_perform_http_request_internal``). Everything around it
(retry handlers, 429 Retry-After, error parsing, logging) stays slack_sdk's.

Each thread keeps one open connection per host and reuses it; a connection the server closed while
idle is noticed before reuse (as urllib3 does: the socket reads as ready) and replaced. Measured with
``python -m bench.load_http`` (2 cores, Slack at 0.3 s, 20 concurrent): see ``bench/load_http.py``'s
docstring for the CPU per request with and without it.
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
import urllib.error
import urllib.parse
from typing import Any
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

Connection = http.client.HTTPConnection


class KeepAlivePool:
    """Per-thread open connections, keyed by (scheme, host, port)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _connections(self) -> dict[tuple[str, str, int | None], Connection]:
        connections: dict[tuple[str, str, int | None], Connection] | None = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def send(
        self, request: Request, timeout: float | None, context: ssl.SSLContext | None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Send ``request``; its status, headers and whole body. Errors propagate as urllib's would."""
        parts = urllib.parse.urlsplit(request.full_url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        connections = self._connections()
        connection = connections.pop(key, None)
        if connection is not None and _dropped(connection):
            connection.close()
            connection = None
        if connection is None:
            connection = _connect(parts, timeout, context)
        elif connection.sock is not None:
            connection.sock.settimeout(timeout)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(request.header_items())
        reused = connection.sock is not None
        try:
            response, body = _exchange(connection, request.get_method(), path or "/", request.data, headers)
        except _HUNG_UP:
            connection.close()
            if not reused:
                raise
            # The server closed the kept-alive connection as we reused it (its idle timeout raced our
            # send; `_dropped` cannot see a close that has not arrived yet): it answered nothing, so the
            # call goes once more on a new connection, as it would have gone without keep-alive.
            connection = _connect(parts, timeout, context)
            try:
                response, body = _exchange(connection, request.get_method(), path or "/", request.data, headers)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            connections[key] = connection
        return response.status, response.headers, body


_HUNG_UP = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
"""What sending on a connection the server already closed raises, before any answer was read."""


def _exchange(
    connection: Connection, method: str, path: str, data: Any, headers: dict[str, str]
) -> tuple[http.client.HTTPResponse, bytes]:
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    return response, response.read()


def _connect(parts: urllib.parse.SplitResult, timeout: float | None, context: ssl.SSLContext | None) -> Connection:
    host = parts.hostname or ""
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=context or ssl.create_default_context()
        )
    return http.client.HTTPConnection(host, parts.port, timeout=timeout)


def _dropped(connection: Connection) -> bool:
    """True when an idle connection was closed by the server (its socket is readable: EOF or junk)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


POOL = KeepAlivePool()
"""Shared by every client in the process: Bolt builds a client per request, the connections outlive it."""


def _send_or_raise(
    url: str, request: Request, timeout: float | None, context: ssl.SSLContext | None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """As ``urlopen`` does: a non-2xx answer raises :class:`urllib.error.HTTPError` (slack_sdk reads it)."""
    status, headers, body = POOL.send(request, timeout, context)
    if not 200 <= status < 300:
        raise urllib.error.HTTPError(url, status, http.client.responses.get(status, ""), headers, io.BytesIO(body))
    return status, headers, body


class KeepAliveWebClient(WebClient):
    """slack_sdk's WebClient, sending through :data:`POOL` (with a proxy set, through urllib as before)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request_internal(url, req)
        status, headers, body = _send_or_raise(url, req, self.timeout, self.ssl)
        if headers.get_content_type() == "application/gzip":
            return {"status": status, "headers": headers, "body": body}
        return {"status": status, "headers": headers, "body": body.decode(headers.get_content_charset() or "utf-8")}


class KeepAliveWebhookClient(WebhookClient):
    """slack_sdk's WebhookClient (what ``respond()`` posts through), sending through :data:`POOL`."""

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_http_request_internal(url, req)  # type: ignore[no-any-return]
        status, headers, body = _send_or_raise(url, req, self.timeout, self.ssl)
        return WebhookResponse(
            url=url,
            status_code=status,
            body=body.decode(headers.get_content_charset() or "utf-8"),
            headers=headers,  # type: ignore[arg-type]
        )

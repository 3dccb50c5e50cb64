"""Serve a WSGI app with waitress on an ephemeral loopback port, and stop it cleanly."""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server


class LoopbackServer:
    def __init__(self, wsgi: Any, threads: int = 8) -> None:
        self._server = create_server(wsgi, host="127.0.0.1", port=0, threads=threads)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"  # type: ignore[union-attr]

    def _loop(self) -> None:
        # waitress's own run() loops until its socket map is empty; looping in short slices
        # lets stop() end it without closing sockets under a running select().
        while not self._stop.is_set():
            # 0.02 s: each stop() waits up to one slice; the suite stops a server per test.
            self._server.asyncore.loop(timeout=0.02, map=self._server._map, count=1)  # type: ignore[union-attr]

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
        self._server.task_dispatcher.shutdown()

"""A simulator (Slack's or GitHub's) in a process of its own, so its work does not slow what is measured.

The child runs ``serve(conn, *args)``: it sends its base URL first, then answers ``"stats"`` with a dict and
``"stop"`` by stopping. The benchmarks differ only in what they serve and what their stats hold.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from collections.abc import Callable
from typing import Any, cast


class SimulatorProcess:
    def __init__(self, serve: Callable[..., None], *args: object) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, *args), daemon=True)
        self._process.start()
        self.url: str = self._conn.recv()
        """What the child sent first: the simulator's base URL (Slack's ``…/api/`` for the Slack simulator)."""

    @property
    def api_url(self) -> str:
        return self.url

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        return cast(dict[str, Any], self._conn.recv())

    def stop(self) -> None:
        self._conn.send("stop")
        self._conn.recv()
        self._process.join(timeout=10)

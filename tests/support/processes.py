"""The bot run as a real process (``python -m bot ...``): a clean environment, a free port, one run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

CLOCK_SHIFT_DAYS = "STAGECOACH_TEST_CLOCK_SHIFT_DAYS"
CLOCK_SHIFT_PATH = Path(__file__).resolve().parent.parent / "clockshift"


def shifted_clock_env() -> dict[str, str]:
    """What a process this run starts needs to share its shifted wall clock (``make test-shifted``): the
    shift and the folder of the ``sitecustomize`` that applies it. Empty on an ordinary run."""
    days = os.environ.get(CLOCK_SHIFT_DAYS, "")
    return {CLOCK_SHIFT_DAYS: days, "PYTHONPATH": str(CLOCK_SHIFT_PATH)} if days else {}


def clean_env(**values: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    env.update(shifted_clock_env())
    env.update(values)
    return env


def run_bot(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

"""The bot run as a real process (``python -m bot ...``): a clean environment, a free port, one run; or served
(``start_process``) until a test signals it, with the ``processes`` fixture (tests/conftest.py) killing leftovers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.support.driver import http_request
from tests.support.fake_slack import FakeSlack

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


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_process(database_url: str, fake: FakeSlack, tmp_path: Path, scheduler: str = "off") -> BotProcess:
    """``python -m bot`` serving over HTTP with this process's environment, once ``/healthz`` answers."""
    # Here, not at the top: bench/load_http.py imports this module and has no use for the in-process bot.
    from tests.support.bots import SIGNING_SECRET

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-process-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        "BOT_SCHEDULER": scheduler,
    }
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        env.pop(name, None)
    log = tmp_path / f"bot-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if http_request(f"{url}/healthz").status == 200:
                return BotProcess(process, url, log)
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the bot did not start: {log.read_text()}")


def stop_processes(started: Iterable[BotProcess]) -> None:
    """Kill whatever a test left running (a failed assertion before its own stop)."""
    for bot in started:
        if bot.process.poll() is None:
            bot.process.kill()
            bot.process.wait(timeout=10)

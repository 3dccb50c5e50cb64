"""Load: the bot in HTTP mode under concurrent signed ``/stage`` and ``/win``, beside a bare Bolt app.

Run 1 starts ``python -m bot`` (SQLite) and ``python -m bench.bare_app`` as processes, fires the
same mix of signed requests at both from 20 client threads (interleaved in rounds, so machine
noise hits both alike), and prints p50/p99 ack latency, their ratio (goal: ours within 1.5x the bare
app) and the bot's resident memory.

Run 2 serves the bot with PostgreSQL behind a proxy that adds 2.5 s to every round trip and a
fake Web API that answers after 2.5 s, and prints the ack latencies (goal: every ack under 1 s).

    python -m bench.load_http [--requests 800] [--concurrency 20] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.slack.registrar import drain
from tests.support.driver import SlackDriver, http_request
from tests.support.fake_slack import FakeSlack

DRAIN_SECONDS = 60
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
_user_ids = itertools.count(1)


@dataclass
class Latencies:
    samples: list[float]

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return self.quantile(0.99)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if http_request(url).status in {200, 404, 405}:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


MIX = {"both": (True, True), "stage": (True, False), "win": (False, True)}
_mix = MIX["both"]


def one_request(driver: SlackDriver, index: int) -> float:
    user = f"U{index % 200:05d}"
    started = time.perf_counter()
    stage, win = _mix
    if stage and (index % 2 or not win):
        reply = driver.command("/stage", str(index % 5 + 1), user=user)
    else:
        reply = driver.command("/win", f"bench win {index}: shipped the retry fix, p99 down 40%", user=user)
    elapsed = time.perf_counter() - started
    if reply.status != 200:
        raise RuntimeError(f"request {index} got HTTP {reply.status}")
    return elapsed


def fire(driver: SlackDriver, count: int, concurrency: int) -> list[float]:
    start = next(_user_ids) * 100_000
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda i: one_request(driver, start + i), range(count)))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(module: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", *module], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


FAKE_PROCESS = (
    "import sys, time; from tests.support.fake_slack import FakeSlack; fake = FakeSlack().start(); "
    "print(fake.port, flush=True); sys.stdin.read()"
)


class FakeApiProcess:
    """The fake Web API in a process of its own, so its work does not slow the measuring client."""

    def __init__(self, repo: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", FAKE_PROCESS],
            cwd=repo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        port = int(self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{port}"
        self.api_url = f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/response/{name}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def compare_with_bare_app(requests: int, concurrency: int) -> tuple[Latencies, Latencies, float, float]:
    repo = str(Path(__file__).resolve().parents[1])
    fake = FakeApiProcess(repo)
    workdir = tempfile.mkdtemp(prefix="stagecoach-bench-")
    base_env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    base_env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url, LOG_LEVEL="WARNING")
    base_env["PYTHONPATH"] = repo
    bot_port, bare_port = free_port(), free_port()
    bot = start(["bot"], {**base_env, "PORT": str(bot_port), "BOT_SCHEDULER": "off"}, workdir)
    bare = start(["bench.bare_app"], {**base_env, "PORT": str(bare_port)}, repo)
    try:
        wait_healthy(f"http://127.0.0.1:{bot_port}/healthz", bot)
        wait_healthy(f"http://127.0.0.1:{bare_port}/", bare)
        ours_driver = SlackDriver(f"http://127.0.0.1:{bot_port}", SECRET, fake)  # type: ignore[arg-type]
        bare_driver = SlackDriver(f"http://127.0.0.1:{bare_port}", SECRET, fake)  # type: ignore[arg-type]
        for driver in (ours_driver, bare_driver):
            fire(driver, 60, concurrency)  # warm-up: imports, connection pools, auth.test
        ours: list[float] = []
        baseline: list[float] = []
        rounds = 4
        for _ in range(rounds):
            baseline += fire(bare_driver, requests // rounds, concurrency)
            ours += fire(ours_driver, requests // rounds, concurrency)
        return Latencies(ours), Latencies(baseline), rss_mb(bot.pid), rss_mb(bare.pid)
    finally:
        for process in (bot, bare):
            process.terminate()
            process.wait(timeout=10)
        fake.stop()


@dataclass
class SlowedRun:
    acks: Latencies
    responses: int
    failures: int


class _CountingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def slowed_dependencies(
    postgres_url: str, requests: int, concurrency: int, slow: float, post_ack_workers: int
) -> SlowedRun:
    from bot.db.engine import Database
    from bot.db.migrate import upgrade_to_head
    from bot.server import StagecoachWsgi
    from bot.settings import Settings
    from bot.slack.app import build_app
    from bot.slack.deps import Deps
    from content import load_content
    from tests.conftest import create_scratch_database, drop_scratch_database
    from tests.support.server import LoopbackServer
    from tests.support.tcp_proxy import TcpProxy

    database_url = create_scratch_database(postgres_url, Path(tempfile.mkdtemp()))
    upgrade_to_head(database_url)
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432, delay=slow)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    fake = FakeSlack().start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake.api_url,
        database_url=proxied,
        bot_scheduler=False,
        stagecoach_post_ack_workers=post_ack_workers,
    )
    db = Database.from_url(proxied)
    built = build_app(Deps(settings=settings, db=db, content=load_content()))  # auth.test before the slowdown
    fake.delay = slow
    server = LoopbackServer(StagecoachWsgi(built.app, db, SECRET), threads=16).start()
    # The work after each ack is slow or fails here (by design); count its errors instead of printing them.
    failures = _CountingHandler()
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [failures]
    try:
        driver = SlackDriver(server.url, SECRET, fake)
        acks = Latencies(fire(driver, requests, concurrency))
        drain(timeout=DRAIN_SECONDS)
        return SlowedRun(acks, sum(len(r) for r in fake.responses.values()), failures.count)
    finally:
        root.handlers = saved
        server.stop()
        fake.stop()
        proxy.close()
        db.dispose()
        drop_scratch_database(database_url)


def postgres_reachable(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def report(line: str, out: Callable[[str], None] = print) -> None:
    out(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=800, help="requests per app in run 1")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--slow-requests", type=int, default=60, help="requests in run 2")
    parser.add_argument("--slow-seconds", type=float, default=2.5)
    parser.add_argument("--post-ack-workers", type=int, default=2, help="the bot's setting in run 2")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server for run 2 (a scratch database is created and dropped)",
    )
    parser.add_argument("--mix", choices=sorted(MIX), default="both", help="which commands to send")
    args = parser.parse_args(argv)
    global _mix
    _mix = MIX[args.mix]

    ours, bare, ours_rss, bare_rss = compare_with_bare_app(args.requests, args.concurrency)
    report(f"run 1: {args.requests} signed /stage + /win requests per app, {args.concurrency} concurrent")
    report(f"  bare Bolt app (ack only):  p50 {bare.p50 * 1000:7.1f} ms   p99 {bare.p99 * 1000:7.1f} ms")
    report(f"  stagecoach:                p50 {ours.p50 * 1000:7.1f} ms   p99 {ours.p99 * 1000:7.1f} ms")
    ratio50, ratio99 = ours.p50 / bare.p50, ours.p99 / bare.p99
    report(f"  ratio ours/bare:           p50 {ratio50:7.2f}x     p99 {ratio99:7.2f}x   (goal <= 1.5x)")
    report(f"  resident memory:           stagecoach {ours_rss:.1f} MB, bare app {bare_rss:.1f} MB")

    if postgres_reachable(args.postgres_url):
        slowed = slowed_dependencies(
            args.postgres_url, args.slow_requests, args.concurrency, args.slow_seconds, args.post_ack_workers
        )
        acks = slowed.acks
        report(
            f"run 2: database and Web API each slowed by {args.slow_seconds} s, "
            f"{args.slow_requests} requests, {args.concurrency} concurrent, {args.post_ack_workers} post-ack workers"
        )
        report(
            f"  acks: p50 {acks.p50 * 1000:.1f} ms, p99 {acks.p99 * 1000:.1f} ms, "
            f"max {max(acks.samples) * 1000:.1f} ms   "
            f"(goal: all < 1000 ms: {'yes' if max(acks.samples) < 1.0 else 'NO'})"
        )
        report(
            f"  after the acks: {slowed.responses} of {args.slow_requests} answers delivered within {DRAIN_SECONDS} s "
            f"(each needs several {args.slow_seconds} s round trips), {slowed.failures} errors logged"
        )
    else:
        report(f"run 2 skipped: no PostgreSQL at {urllib.parse.urlsplit(args.postgres_url).netloc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

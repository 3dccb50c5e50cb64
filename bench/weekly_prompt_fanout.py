"""The weekly prompt to N enrolled members against a fake Web API that enforces a rate limit.

    .venv/bin/python -m bench.weekly_prompt_fanout --users 10000 --rate 200
    .venv/bin/python -m bench.weekly_prompt_fanout --users 10000 --rate 200 --database-url postgresql://…/scratch

What runs is the bot's own code: the weekly planner and the ledger's bulk insert (timed as
"plan"), then the generic delivery loop (claims, rendering from the database, paced sends,
per-message commits) against ``tests.support.fake_slack.FakeSlack`` with
``rate_limit("chat.postMessage", per_second=rate)`` on loopback; the fake runs in a child process
so it does not share the bot's interpreter lock. Members live in six timezones whose Friday 16:00
falls within five hours (Dubai to the Azores), and the batch is planned at the latest of those
instants, so every prompt is due and within the six-hour grace window.

The bot paces ``--headroom`` (3 %) below the allowed rate: every 429 stops all sends for its
Retry-After (at least a second), so running right at the limit costs more than the margin does.

It prints: users, duplicates (members with more than one prompt), losses (members with none), the
allowed rate, the achieved send rate (prompts sent / wall time of the delivery phase) and its ratio
to the allowed rate (goal ≥ 0.95), 429s seen, the time to plan the batch (and to re-plan it when
nothing is new, the cost every minute's tick pays), and a baseline: the same fake, unlimited, fed by
a bare loop of chat.postMessage calls from the same number of threads (the harness's ceiling).

Without ``--database-url`` a migrated SQLite file in a temporary folder is used. A given URL must
point at a scratch database: it is migrated and gets a workspace and N members.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from slack_sdk import WebClient

from bench import simulators
from bench.members import insert_members
from bench.simulator_process import SimulatorProcess
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.deps import Deps
from bot.nudges.delivery import Delivery
from bot.nudges.registry import plan_all
from bot.nudges.timing import ticking_clock
from bot.services.localtime import local_to_utc, zone
from bot.settings import Settings
from bot.webapi.tokens import StaticToken
from content import load_content

TOKEN = "xoxb-bench-token"
TIMEZONES = ["Asia/Dubai", "Europe/Moscow", "Europe/Helsinki", "Europe/Berlin", "Europe/London", "Atlantic/Azores"]
THURSDAY = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
FRIDAY = date(2026, 11, 20)


# -- the fake Web API, in its own process ---------------------------------------------------------


def FakeProcess(rate: float | None) -> SimulatorProcess:
    """The Slack simulator at ``rate`` messages a second (None: no limit) in a process of its own."""
    return SimulatorProcess(simulators.serve_slack, rate)


# -- setup ----------------------------------------------------------------------------------------


def enroll(db: Database, users: int) -> list[str]:
    return insert_members(
        db,
        users,
        lambda index: {
            "stage": 1 + index % 5,
            "timezone": TIMEZONES[index % len(TIMEZONES)],
            "timezone_from_slack": True,
            "default_visibility": "private",
            "weekly_prompt_enabled": True,
            "prompt_weekday": 4,
            "prompt_minute": 16 * 60,
            "stuck_nudges_enabled": True,
            "review_reminders_enabled": True,
            "enrolled_at": THURSDAY,
            "last_seen_at": THURSDAY,
        },
    )


def latest_due() -> datetime:
    """The last of the six Friday-16:00 instants (17:00 UTC, in the Azores)."""
    return max(local_to_utc(FRIDAY, 16 * 60, zone(tz)) for tz in TIMEZONES)


def baseline(api_url: str, calls: int, workers: int) -> float:
    """chat.postMessage calls per second from a bare thread pool: no database, no pacing."""
    client = WebClient(token=TOKEN, base_url=api_url, timeout=10)
    counter = iter(range(calls))
    lock = threading.Lock()

    def loop() -> None:
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            client.chat_postMessage(channel=f"UBASE{index:06d}", text="baseline")

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(loop) for _ in range(workers)]:
            future.result()
    return calls / (time.perf_counter() - started)


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Result:
    users: int
    duplicates: int
    losses: int
    allowed_rate: float
    paced_rate: float
    workers: int
    achieved_rate: float
    ratio: float
    rate_limited_429s: int
    plan_seconds: float
    replan_seconds: float
    delivery_seconds: float
    baseline_rate: float
    database: str


def run(
    users: int, rate: float, workers: int, database_url: str | None, baseline_calls: int, headroom: float
) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_to_head(url)
        db = Database.from_url(url)
        fake = FakeProcess(rate)
        try:
            settings = Settings(_env_file=None, slack_bot_token=TOKEN, slack_api_url=fake.api_url, database_url=url)
            deps = Deps(settings=settings, db=db, content=load_content())
            user_ids = enroll(db, users)
            at = latest_due()

            started = time.perf_counter()
            planned, _ = plan_all(deps, at)
            plan_seconds = time.perf_counter() - started
            assert planned.get("weekly_prompt") == users, planned
            started = time.perf_counter()
            plan_all(deps, at)
            replan_seconds = time.perf_counter() - started

            sends = {"stagecoach_send_workers": workers, "stagecoach_send_rate": rate * (1 - headroom)}
            sending = replace(deps, settings=settings.model_copy(update=sends))
            started = time.perf_counter()
            delivered = Delivery(sending, StaticToken(TOKEN), ticking_clock(at)).run()
            delivery_seconds = time.perf_counter() - started
            stats = fake.stats()
        finally:
            fake.stop()
            db.dispose()
    per_user = Counter({channel: count for channel, count in stats["per_channel"].items()})
    expected = {"D" + user[1:] for user in user_ids}
    duplicates = sum(1 for channel in expected if per_user.get(channel, 0) > 1)
    losses = sum(1 for channel in expected if per_user.get(channel, 0) == 0)
    achieved = delivered.count("sent") / delivery_seconds if delivery_seconds else 0.0

    unlimited = FakeProcess(None)
    try:
        baseline_rate = baseline(unlimited.api_url, baseline_calls, workers)
    finally:
        unlimited.stop()
    return Result(
        users=users,
        duplicates=duplicates,
        losses=losses,
        allowed_rate=rate,
        paced_rate=sending.settings.stagecoach_send_rate,
        workers=workers,
        achieved_rate=achieved,
        ratio=achieved / rate,
        rate_limited_429s=delivered.rate_limited,
        plan_seconds=plan_seconds,
        replan_seconds=replan_seconds,
        delivery_seconds=delivery_seconds,
        baseline_rate=baseline_rate,
        database="postgresql" if url.startswith("postgres") else "sqlite",
    )


def render(result: Result) -> str:
    plan_per_user_us = result.plan_seconds / result.users * 1e6
    return "\n".join(
        [
            f"weekly prompt fan-out ({result.database})",
            f"users                 {result.users}",
            f"duplicates            {result.duplicates}",
            f"losses                {result.losses}",
            f"allowed rate          {result.allowed_rate:.0f} msg/s  (the fake answers 429 beyond it)",
            f"bot pacing            {result.paced_rate:.0f} msg/s  ({result.workers} worker threads)",
            f"achieved send rate    {result.achieved_rate:.1f} msg/s  "
            f"({result.users} sent in {result.delivery_seconds:.1f} s)",
            f"achieved / allowed    {result.ratio:.3f}  (goal >= 0.95)",
            f"429s answered         {result.rate_limited_429s}",
            f"plan the batch        {result.plan_seconds * 1000:.0f} ms  ({plan_per_user_us:.0f} us per user)",
            f"re-plan, nothing new  {result.replan_seconds * 1000:.0f} ms  (every minute's tick)",
            f"baseline: bare loop   {result.baseline_rate:.0f} msg/s against the unlimited fake "
            f"(allowed rate is {result.allowed_rate / result.baseline_rate:.0%} of it)",
        ]
    )


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.weekly_prompt_fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="the fake's chat.postMessage limit, per second")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--baseline-calls", type=int, default=2000)
    parser.add_argument(
        "--headroom", type=float, default=0.03, help="the bot paces this fraction below the allowed rate"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(args.users, args.rate, args.workers, args.database_url, args.baseline_calls, args.headroom)
    print(json.dumps(asdict(result)) if args.json else render(result))
    return result


if __name__ == "__main__":
    main()

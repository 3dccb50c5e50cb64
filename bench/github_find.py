"""The week's "found on GitHub" for N connected members, through the bot's own delivery path.

    .venv/bin/python -m bench.github_find --members 10000
    .venv/bin/python -m bench.github_find --members 10000 --latency 0.2 --database-url postgresql://…/scratch

What runs is the bot's code: ``plan_all`` plans every member's ``found_this_week`` row (due five minutes after
their Friday 16:00 prompt, in six timezones; planned at the latest of those instants, so every row is due at
once: the worst burst), then the generic ``Delivery`` loop claims each row, renders it (the renderer sends
the member's one GraphQL query to GitHub, stores and offers what it found) and posts the message to Slack.
GitHub is ``tests.support.fake_github.FakeGitHub`` and Slack ``tests.support.fake_slack.FakeSlack``, each in
a child process on loopback (they do not share the bot's interpreter lock). Each member has, in the week, one
merged PR they authored, one review of a colleague's PR, one issue they closed, and one PR merged weeks ago
(not offered); ``--latency`` makes every GitHub answer wait (GitHub answers such a query in ~0.2-0.5 s).

GitHub's limits for an OAuth app's user tokens are per token: 5,000 points an hour (primary; a query of this
size costs 1), and secondary limits of 100 concurrent requests and 2,000 GraphQL points a minute. It prints
the calls per token (and the most any token made in an hour) against 5,000, the peak concurrent requests
against 100, the busiest minute of the whole app, the messages sent, items offered twice (must be 0), and
the duration, and the calls made with the app's own credentials (none: every finding call is a member's token).
A second ``plan_all`` + ``Delivery`` at the same instant shows the week is not found twice.

On SQLite the finding is serialised (peak concurrency 1): the delivery loop renders inside the claim's
transaction, which holds SQLite's single write lock, so each member's GitHub call waits for the previous one;
PostgreSQL runs them on all send workers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import cast

from cryptography.fernet import Fernet
from sqlalchemy import Table, func, select

from bench import simulators
from bench.members import insert_members
from bench.simulator_process import SimulatorProcess
from bench.simulators import login, token
from bench.weekly_prompt_fanout import FakeProcess
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import ConnectedAccount, FoundItem, Member
from bot.deps import Deps
from bot.nudges.delivery import Delivery
from bot.nudges.registry import plan_all
from bot.nudges.timing import ticking_clock
from bot.services.localtime import local_to_utc, zone
from bot.settings import Settings
from bot.webapi.tokens import StaticToken
from content import load_content

SLACK_TOKEN = "xoxb-bench-token"
TIMEZONES = ["Asia/Dubai", "Europe/Moscow", "Europe/Helsinki", "Europe/Berlin", "Europe/London", "Atlantic/Azores"]
CONNECTED_AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
FRIDAY = date(2026, 11, 20)
HOURLY_POINTS = 5000
CONCURRENT_LIMIT = 100
GRAPHQL_POINTS_PER_MINUTE = 2000
INSERT_CHUNK = 2000


def latest_due() -> datetime:
    """Five minutes after the last of the six Friday-16:00 prompts (17:00 UTC, in the Azores)."""
    return max(local_to_utc(FRIDAY, 16 * 60, zone(tz)) for tz in TIMEZONES) + timedelta(minutes=5)


# -- the fake GitHub, in its own process ----------------------------------------------------------


def GitHubProcess(members: int, latency: float, at: datetime) -> SimulatorProcess:
    """The GitHub simulator with ``members`` people's week of work, in a process of its own."""
    return SimulatorProcess(simulators.serve_github, members, latency, at)


# -- setup ----------------------------------------------------------------------------------------


def connect_members(db: Database, members: int, key: str) -> None:
    insert_members(
        db,
        members,
        lambda index: {
            "stage": 1 + index % 5,
            "timezone": TIMEZONES[index % len(TIMEZONES)],
            "timezone_from_slack": True,
            "default_visibility": "private",
            "weekly_prompt_enabled": False,  # only the found message is measured here
            "prompt_weekday": 4,
            "prompt_minute": 16 * 60,
            "stuck_nudges_enabled": False,
            "review_reminders_enabled": False,
            "enrolled_at": CONNECTED_AT,
            "last_seen_at": CONNECTED_AT,
        },
    )
    fernet = Fernet(key.encode())
    with db.transaction() as session:
        ids = session.execute(select(Member.id, Member.slack_user_id).order_by(Member.id)).all()
        rows = [
            {
                "member_id": member_id,
                "source": "github",
                "external_id": str(4000 + int(user[1:])),
                "login": login(int(user[1:])),
                "token_ciphertext": fernet.encrypt(token(int(user[1:])).encode()).decode(),
                "scopes": "",
                "connected_at": CONNECTED_AT,
            }
            for member_id, user in ids
        ]
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(cast(Table, ConnectedAccount.__table__).insert(), rows[start : start + INSERT_CHUNK])


@dataclass(frozen=True)
class Result:
    members: int
    database: str
    latency_seconds: float
    workers: int
    planned: int
    sent: int
    duration_seconds: float
    graphql_calls: int
    calls_per_token_max: int
    calls_per_token_min: int
    peak_calls_per_hour_per_token: int
    hourly_limit_per_token: int
    peak_concurrent_requests: int
    concurrent_limit: int
    app_peak_calls_per_minute: int
    graphql_points_per_minute_limit_per_token: int
    items_stored: int
    items_offered_twice: int
    second_run_calls: int
    rate_limited_answers: int
    app_credential_calls: int
    """Calls made with the OAuth app's own client id and secret (code exchange, grant deletion): none in a week's
    finding, so the app's own budget (5,000 an hour) is untouched by it."""


def run(members: int, latency: float, workers: int, database_url: str | None) -> Result:
    at = latest_due()
    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_to_head(url)
        db = Database.from_url(url)
        github = GitHubProcess(members, latency, at)
        slack = FakeProcess(None)
        try:
            settings = Settings(
                _env_file=None,
                slack_bot_token=SLACK_TOKEN,
                slack_api_url=slack.api_url,
                database_url=url,
                github_client_id="bench",
                github_client_secret="bench-secret",
                github_base_url=github.url + "/",
                github_api_url=github.url + "/api/v3/",
                token_encryption_key=key,
                stagecoach_send_workers=workers,
                stagecoach_send_rate=1000.0,
            )
            deps = Deps(settings=settings, db=db, content=load_content())
            connect_members(db, members, key)
            started = time.monotonic()
            planned, _ = plan_all(deps, at)
            Delivery(deps, StaticToken(SLACK_TOKEN), ticking_clock(at)).run()
            duration = time.monotonic() - started
            first = github.stats()
            # The same instant again: nothing is planned or found twice.
            plan_all(deps, at)
            Delivery(replace(deps), StaticToken(SLACK_TOKEN), ticking_clock(at)).run()
            second = github.stats()
            with db.transaction() as session:
                stored = int(session.scalar(select(func.count()).select_from(FoundItem)) or 0)
                per_key = session.execute(
                    select(func.count()).select_from(FoundItem).group_by(FoundItem.member_id, FoundItem.item_key)
                ).all()
            slack_stats = slack.stats()
        finally:
            github.stop()
            slack.stop()
            db.dispose()
    graphql = [call for call in first["calls"] if call[0] == "/api/graphql"]
    per_token = Counter(call[1] for call in graphql)
    walls = sorted(call[3] for call in graphql)
    minute_peak, start_index = 0, 0
    for end_index, wall in enumerate(walls):
        while wall - walls[start_index] >= 60:
            start_index += 1
        minute_peak = max(minute_peak, end_index - start_index + 1)
    # Each token's calls within any hour: the run lasts under an hour, so all of them (the week has one run).
    hour_peak = max(per_token.values(), default=0)
    sent = sum(slack_stats["per_channel"].values())
    return Result(
        members=members,
        database="postgresql" if url.startswith("postgres") else "sqlite",
        latency_seconds=latency,
        workers=workers,
        planned=planned.get("found_this_week", 0),
        sent=sent,
        duration_seconds=round(duration, 2),
        graphql_calls=len(graphql),
        calls_per_token_max=max(per_token.values(), default=0),
        calls_per_token_min=min(per_token.values(), default=0),
        peak_calls_per_hour_per_token=hour_peak,
        hourly_limit_per_token=HOURLY_POINTS,
        peak_concurrent_requests=int(first["peak_in_flight"]),
        concurrent_limit=CONCURRENT_LIMIT,
        app_peak_calls_per_minute=minute_peak,
        graphql_points_per_minute_limit_per_token=GRAPHQL_POINTS_PER_MINUTE,
        items_stored=stored,
        items_offered_twice=sum(1 for (count,) in per_key if count > 1),
        second_run_calls=len(second["calls"]) - len(first["calls"]),
        rate_limited_answers=sum(1 for call in first["calls"] if call[2] in {403, 429}),
        app_credential_calls=sum(1 for call in second["calls"] if call[1] is None),
    )


def render(result: Result) -> str:
    r = result
    return "\n".join(
        [
            f"found on GitHub, {r.members} connected members ({r.database}, {r.workers} send workers, "
            f"GitHub latency {r.latency_seconds} s)",
            f"  rows planned {r.planned}, messages sent {r.sent}, in {r.duration_seconds} s",
            f"  GraphQL calls {r.graphql_calls}; per token min {r.calls_per_token_min} max {r.calls_per_token_max}",
            f"  peak calls/hour per token {r.peak_calls_per_hour_per_token} of {r.hourly_limit_per_token}",
            f"  peak concurrent requests {r.peak_concurrent_requests} of {r.concurrent_limit}",
            f"  busiest minute, whole app: {r.app_peak_calls_per_minute} calls "
            f"(per-token secondary limit {r.graphql_points_per_minute_limit_per_token} points/min)",
            f"  calls with the app's own credentials {r.app_credential_calls} "
            f"(the app's budget: {r.hourly_limit_per_token}/h)",
            f"  items stored {r.items_stored}, offered twice {r.items_offered_twice}, "
            f"calls by a second run at the same instant {r.second_run_calls}, 403/429 answers {r.rate_limited_answers}",
        ]
    )


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each GitHub answer waits")
    parser.add_argument("--workers", type=int, default=8, help="send workers (STAGECOACH_SEND_WORKERS)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.members, args.latency, args.workers, args.database_url)
    print(json.dumps(asdict(result)) if args.json else render(result))
    return result


if __name__ == "__main__":
    main()

"""The paged users.list pass (timezones and away statuses) for N members: calls per minute vs Slack's tier.

    .venv/bin/python -m bench.status_refresh --members 10000
    .venv/bin/python -m bench.status_refresh --members 10000 --database-url postgresql://…/scratch

What runs is the bot's own code: :func:`bot.tick.directory.refresh_profiles`, called once a minute
of simulated tick time (``--replicas`` times each minute, as several processes ticking together
would) for ``--hours`` hours, against ``tests.support.fake_slack.FakeSlack`` serving ``users.list``
with profiles and statuses (200 a page, offset cursors). One member in ``--away-every`` has a vacation
status. It prints the members, the pages a pass takes, the most ``users.list`` calls in any one minute
(Slack's Tier 2 allows 20+), calls per hour, how long a pass takes in ticks, whether every away member
was recorded, and the wall time the bot spent per page (database work included).

Without ``--database-url`` a migrated SQLite file in a temporary folder is used. A given URL must
point at a scratch database: it is migrated and gets a workspace and N members.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.members import insert_members
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import Member
from bot.deps import Deps
from bot.settings import Settings
from bot.tick.directory import PAGE_SIZE, TIER_2_PER_MINUTE, refresh_profiles
from bot.webapi.tokens import StaticToken
from content import load_content

TOKEN = "xoxb-bench-token"
START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


@dataclass
class Result:
    members: int
    pages_per_pass: int
    max_calls_per_minute: int
    tier_limit_per_minute: int
    calls_per_hour: float
    pass_minutes: int
    passes: int
    away_expected: int
    away_recorded: int
    ms_per_page: float
    replicas: int
    database: str


def enroll(db: Database, members: int) -> list[str]:
    columns = {"timezone": "UTC", "timezone_from_slack": True, "enrolled_at": START, "last_seen_at": START}
    return insert_members(db, members, lambda _: columns)


def run(members: int, hours: float, replicas: int, away_every: int, database_url: str | None) -> Result:
    from tests.support.fake_slack import FakeSlack
    from tests.support.slack_directory import set_status, users_list_with_statuses

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_to_head(url)
        db = Database.from_url(url)
        fake = FakeSlack().start()
        try:
            users_list_with_statuses(fake)
            settings = Settings(_env_file=None, slack_bot_token=TOKEN, slack_api_url=fake.api_url, database_url=url)
            deps = Deps(settings=settings, db=db, content=load_content())
            user_ids = enroll(db, members)
            away = set(user_ids[::away_every])
            for user in user_ids:
                fake.users[user] = {"tz": "Europe/London"}
            for user in away:
                set_status(fake, user, ":palm_tree:", "Vacationing")

            per_minute: Counter[int] = Counter()
            pass_minutes = 0
            pages = 0
            bot_seconds = 0.0
            minutes = int(hours * 60)
            for minute in range(minutes):
                at = START + timedelta(minutes=minute)
                before = len(fake.calls_to("users.list"))
                started = time.perf_counter()
                for _ in range(replicas):
                    pages += refresh_profiles(deps, StaticToken(TOKEN), at)
                bot_seconds += time.perf_counter() - started
                per_minute[minute] = len(fake.calls_to("users.list")) - before
                if per_minute[minute] and pass_minutes == minute:
                    pass_minutes = minute + 1  # the first pass is still running
            with db.transaction() as session:
                recorded = session.scalar(select(func.count()).where(Member.away_since.is_not(None))) or 0
        finally:
            fake.stop()
            db.dispose()
    total = sum(per_minute.values())
    pages_per_pass = -(-members // PAGE_SIZE)
    return Result(
        members=members,
        pages_per_pass=pages_per_pass,
        max_calls_per_minute=max(per_minute.values(), default=0),
        tier_limit_per_minute=TIER_2_PER_MINUTE,
        calls_per_hour=total / hours,
        pass_minutes=pass_minutes,
        passes=total // pages_per_pass,
        away_expected=len(away),
        away_recorded=int(recorded),
        ms_per_page=bot_seconds / pages * 1000 if pages else 0.0,
        replicas=replicas,
        database="postgresql" if url.startswith("postgres") else "sqlite",
    )


def render(result: Result) -> str:
    return "\n".join(
        [
            f"status refresh: paged users.list ({result.database})",
            f"members               {result.members}",
            f"pages per pass        {result.pages_per_pass}  (200 members a page)",
            f"calls per minute      {result.max_calls_per_minute} at most  "
            f"(Tier 2 allows {result.tier_limit_per_minute}+; {result.replicas} replicas ticking each minute)",
            f"calls per hour        {result.calls_per_hour:.0f}  ({result.passes} full passes)",
            f"one pass takes        {result.pass_minutes} minutes of ticks",
            f"away members seen     {result.away_recorded} of {result.away_expected}",
            f"bot time per page     {result.ms_per_page:.1f} ms  (Web API call and database writes)",
        ]
    )


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(prog="python -m bench.status_refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--hours", type=float, default=1.0, help="simulated tick time, one tick a minute")
    parser.add_argument("--replicas", type=int, default=2, help="processes ticking each minute")
    parser.add_argument("--away-every", type=int, default=50, help="one member in this many is on vacation")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(args.members, args.hours, args.replicas, args.away_every, args.database_url)
    print(json.dumps(asdict(result)) if args.json else render(result))
    return result


if __name__ == "__main__":
    main()

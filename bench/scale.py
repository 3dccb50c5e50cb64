"""Several replicas on one PostgreSQL: W workspaces x M members, all due in one minute, against a simulator
that enforces each workspace's own message rate.

    .venv/bin/python -m bench.scale --server-url postgresql://postgres@127.0.0.1:5432/test \\
        --replicas 4 --workspaces 1 --members 5000 --rate 20
    .venv/bin/python -m bench.scale --server-url … --replicas 4 --workspaces 200 --members 50 --rate 20
    .venv/bin/python -m bench.scale --server-url … --replicas 4 --workspaces 20 --members 20 --throttled 1
    .venv/bin/python -m bench.scale --server-url … --plan-only --members 1000000

What runs is the bot's own code: each replica is a process running ``bot.tick.run.run_tick`` for the same
instant, as ``python -m bot tick --at`` from cron on every replica would (each plans, which the ledger makes
idempotent, then delivers with ``STAGECOACH_SEND_WORKERS`` threads). Each workspace has its own token
(``xoxb-team-<TEAM>``), which the simulator (``tests.support.fake_slack``, in its own process) maps back to
the workspace and limits to ``--rate`` chat.postMessage calls in any second, answering 429 with Retry-After
beyond it, after ``--latency`` seconds per call. ``--throttled K`` workspaces answer 429 to everything.
The bot paces ``--headroom`` (5 %) below the allowed rate.

It prints, from the simulator's own record: due-to-delivered latency (the due instant is when the replicas
started their ticks) p50/p99/max over each workspace's messages (the median, p99 and worst workspace of
those), aggregate msg/s against the allowed rate (W x rate), 429s, duplicates (members with more than one
prompt), lost (members with none, throttled workspaces aside), and per replica the plan time of its
first tick, its ticks (each replica ticks again at each minute boundary while prompts are left, as cron
would), the longest and peak RSS.

``--plan-only`` inserts M members into one workspace and times, in a fresh process, the first plan of the
weekly prompt and a re-plan with nothing new, with that process's peak RSS.

``--server-url`` names a PostgreSQL server: the bench creates a scratch database there and drops it after.
Without it a SQLite file is used with one replica (SQLite serves one process).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import multiprocessing.connection
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import String, Table, func, insert, literal, select
from sqlalchemy import cast as cast_

from bench import simulators
from bench.simulator_process import SimulatorProcess
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import Member, NudgeDelivery, Workspace
from bot.deps import Deps
from bot.settings import Settings
from content import load_content

DUE = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
"""Friday 16:00 UTC: every member's weekly prompt (zone UTC) falls due at this instant."""
ENROLLED = datetime(2026, 11, 1, tzinfo=UTC)
TEAM_TOKEN_PREFIX = "xoxb-team-"
MAX_MINUTES = 15
"""A replica stops ticking after this many minutes even if a prompt is left (the run reports it lost)."""
INSERT_CHUNK = 5000


def team(index: int) -> str:
    return f"TS{index:05d}"


def user(workspace: int, index: int) -> str:
    return f"U{workspace:05d}X{index:07d}"


class TeamTokens:
    def bot_token(self, team_id: str, enterprise_id: str | None = None) -> str | None:
        return TEAM_TOKEN_PREFIX + team_id


# -- the simulator, in its own process --------------------------------------------------------------


def FakeProcess(rate: float, latency: float, throttled: list[str]) -> SimulatorProcess:
    """The Slack simulator with per-workspace rates, latency and throttled workspaces, in a process of its own."""
    return SimulatorProcess(simulators.serve_slack_per_team, rate, latency, throttled)


# -- setup --------------------------------------------------------------------------------------------


def member_values(workspace_id: int) -> dict[str, Any]:
    """Every column of a member due a weekly prompt at ``DUE`` (the model's defaults for the rest)."""
    values: dict[str, Any] = {}
    for column in cast(Table, Member.__table__).columns:
        default = column.default
        if column.primary_key or default is None:
            continue
        values[column.name] = ENROLLED if callable(getattr(default, "arg", None)) else getattr(default, "arg", None)
    values.update(
        workspace_id=workspace_id,
        timezone="UTC",
        timezone_from_slack=False,
        weekly_prompt_enabled=True,
        prompt_weekday=DUE.weekday(),
        prompt_minute=DUE.hour * 60 + DUE.minute,
        enrolled_at=ENROLLED,
        last_seen_at=ENROLLED,
        prompts_chosen_at=ENROLLED,  # weekly prompts turned on (issue #22: nobody gets them unasked)
    )
    return values


def enroll(db: Database, workspaces: int, members: int) -> list[str]:
    """W workspaces of M members; on PostgreSQL generated by the server (a million rows in seconds)."""
    members_table = cast(Table, Member.__table__)
    for w in range(workspaces):
        with db.transaction() as session:
            workspace = Workspace(team_id=team(w), created_at=ENROLLED)
            session.add(workspace)
            session.flush()
            values = member_values(workspace.id)
            if db.backend == "postgresql":
                index = func.generate_series(0, members - 1).table_valued("n").render_derived()
                slack_id = literal(f"U{w:05d}X") + func.lpad(cast_(index.c.n, String), 7, "0")
                columns = [literal(v, members_table.c[k].type) for k, v in values.items()]
                session.execute(
                    insert(members_table).from_select(
                        [*values, "slack_user_id"], select(*columns, slack_id).select_from(index)
                    )
                )
            else:
                rows = [{**values, "slack_user_id": user(w, m)} for m in range(members)]
                for start in range(0, len(rows), INSERT_CHUNK):
                    session.execute(insert(members_table), rows[start : start + INSERT_CHUNK])
    return [user(w, m) for w in range(workspaces) for m in range(members)]


def settings_for(url: str, api_url: str, rate: float, workers: int) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-unused",
        slack_api_url=api_url,
        database_url=url,
        bot_scheduler=False,
        stagecoach_send_rate=rate,
        stagecoach_send_workers=workers,
    )


# -- replicas -------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    """This process's peak RSS: Linux's VmHWM (its own address space), else ru_maxrss (which on Linux keeps
    the parent's high-water mark across a spawn's exec, so it can over-state a child's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _replica(
    conn: multiprocessing.connection.Connection, url: str, api_url: str, rate: float, workers: int, skip: list[str]
) -> None:
    """One replica ticking as cron would: a tick at the due minute, then one at each later minute boundary
    while its previous one is not running (``flock``-guarded cron, or the scheduler without a budget), until
    no prompt of a workspace that accepts messages is left to send."""
    from bot.nudges.registry import plan_all
    from bot.tick.run import run_tick

    db = Database.from_url(url)
    deps = Deps(settings=settings_for(url, api_url, rate, workers), db=db, content=load_content())
    left = (
        select(func.count())
        .select_from(NudgeDelivery)
        .join(Workspace, Workspace.id == NudgeDelivery.workspace_id)
        .where(NudgeDelivery.status.in_(["due", "sending"]), Workspace.team_id.not_in(skip))
    )
    conn.send("ready")
    conn.recv()  # go
    started = time.monotonic()
    planned, _ = plan_all(deps, DUE)  # what this replica's first tick plans (its own plan then finds it done)
    plan_seconds = time.monotonic() - started
    ticks, sent, longest, minute = 0, 0, 0.0, 0
    while True:
        began = time.monotonic()
        sent += run_tick(deps, TeamTokens(), DUE + timedelta(minutes=minute)).sent
        ticks, longest = ticks + 1, max(longest, time.monotonic() - began)
        with db.transaction() as session:
            remaining = session.scalar(left) or 0
        if remaining == 0 or minute >= MAX_MINUTES:
            break
        minute = math.floor((time.monotonic() - started) / 60) + 1
        time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
    conn.send(
        {
            "planned": planned.get("weekly_prompt", 0),
            "plan_seconds": plan_seconds,
            "ticks": ticks,
            "longest_tick_seconds": longest,
            "sent": sent,
            "peak_rss_mib": _peak_rss_mib(),
        }
    )
    db.dispose()


@dataclass
class Result:
    database: str
    replicas: int
    workspaces: int
    members: int
    throttled: int
    allowed_rate: float
    paced_rate: float
    sent: int
    duplicates: int
    lost: int
    rate_limited_429s: int
    rate_limited_share: float
    aggregate_rate: float
    allowed_aggregate: float
    ratio: float
    latency_p50: float
    latency_p99: float
    latency_max: float
    workspace_p50_of_p50: float
    workspace_max_of_max: float
    replicas_detail: list[dict[str, Any]] = field(default_factory=list)


def run(
    url: str,
    replicas: int,
    workspaces: int,
    members: int,
    rate: float,
    headroom: float,
    workers: int,
    latency: float,
    throttled: int,
) -> Result:
    upgrade_to_head(url)
    db = Database.from_url(url)
    throttled_teams = [team(w) for w in range(workspaces - throttled, workspaces)]
    fake = FakeProcess(rate, latency, throttled_teams)
    try:
        users = enroll(db, workspaces, members)
        db.dispose()
        paced = rate * (1 - headroom)
        context = multiprocessing.get_context("spawn")
        pipes, processes = [], []
        for _ in range(replicas):
            parent, child = context.Pipe()
            args = (child, url, fake.api_url, paced, workers, throttled_teams)
            process = context.Process(target=_replica, args=args)
            process.start()
            pipes.append(parent)
            processes.append(process)
        for pipe in pipes:
            assert pipe.recv() == "ready"
        started = time.time()
        for pipe in pipes:
            pipe.send("go")
        details = [pipe.recv() for pipe in pipes]
        for process in processes:
            process.join(timeout=60)
        stats = fake.stats()
    finally:
        fake.stop()
    by_user: defaultdict[str, list[float]] = defaultdict(list)
    for channel, at in stats["posts"]:
        by_user[channel].append(at)
    healthy = [u for u in users if int(u[1:6]) < workspaces - throttled]
    duplicates = sum(1 for u in users if len(by_user.get(u, [])) > 1)
    lost = sum(1 for u in healthy if not by_user.get(u))
    latencies: defaultdict[int, list[float]] = defaultdict(list)
    for u in healthy:
        for at in by_user.get(u, [])[:1]:
            latencies[int(u[1:6])].append(at - started)
    every = sorted(x for values in latencies.values() for x in values)
    per_workspace = [sorted(values) for values in latencies.values() if values]
    sent = sum(len(v) for v in by_user.values())
    last = max(every) if every else 0.0
    rate_limited = sum(stats["rate_limited"].values())
    allowed = rate * (workspaces - throttled)
    aggregate = sent / last if last else 0.0
    return Result(
        database="postgresql" if url.startswith("postgres") else "sqlite",
        replicas=replicas,
        workspaces=workspaces,
        members=members,
        throttled=throttled,
        allowed_rate=rate,
        paced_rate=rate * (1 - headroom),
        sent=sent,
        duplicates=duplicates,
        lost=lost,
        rate_limited_429s=rate_limited,
        rate_limited_share=rate_limited / sent if sent else 0.0,
        aggregate_rate=aggregate,
        allowed_aggregate=allowed,
        ratio=aggregate / allowed if allowed else 0.0,
        latency_p50=_quantile(every, 0.5),
        latency_p99=_quantile(every, 0.99),
        latency_max=last,
        workspace_p50_of_p50=statistics.median(_quantile(v, 0.5) for v in per_workspace) if per_workspace else 0.0,
        workspace_max_of_max=max((v[-1] for v in per_workspace), default=0.0),
        replicas_detail=details,
    )


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def render(result: Result) -> str:
    lines = [
        f"scale ({result.database}): {result.replicas} replicas, {result.workspaces} workspaces x "
        f"{result.members} members, {result.throttled} answering 429 to everything",
        f"allowed rate          {result.allowed_rate:.0f} msg/s per workspace (bot paces {result.paced_rate:.1f})",
        f"sent                  {result.sent}",
        f"duplicates            {result.duplicates}",
        f"lost                  {result.lost}",
        f"429s                  {result.rate_limited_429s}  ({result.rate_limited_share:.2%} of sends)",
        f"aggregate rate        {result.aggregate_rate:.1f} msg/s of {result.allowed_aggregate:.0f} allowed "
        f"({result.ratio:.3f})",
        f"due-to-delivered      p50 {result.latency_p50:.1f} s, p99 {result.latency_p99:.1f} s, "
        f"max {result.latency_max:.1f} s",
        f"per workspace         median of p50s {result.workspace_p50_of_p50:.1f} s, worst max "
        f"{result.workspace_max_of_max:.1f} s",
    ]
    for index, detail in enumerate(result.replicas_detail):
        lines.append(
            f"replica {index}             planned {detail['planned']} in {detail['plan_seconds']:.2f} s, "
            f"sent {detail['sent']} in {detail['ticks']} ticks (longest {detail['longest_tick_seconds']:.1f} s), "
            f"peak RSS {detail['peak_rss_mib']:.0f} MiB"
        )
    return "\n".join(lines)


# -- planning alone -------------------------------------------------------------------------------------


@dataclass
class PlanResult:
    database: str
    members: int
    insert_seconds: float
    first_plan_seconds: float
    planned: int
    replan_seconds: float
    rss_before_mib: float
    peak_rss_mib: float


def _plan_child(conn: multiprocessing.connection.Connection, url: str) -> None:
    from bot.nudges.registry import plan_all

    db = Database.from_url(url)
    deps = Deps(settings=settings_for(url, "http://127.0.0.1:9/api/", 20.0, 1), db=db, content=load_content())
    before = _peak_rss_mib()
    started = time.monotonic()
    planned, _ = plan_all(deps, DUE)
    first = time.monotonic() - started
    started = time.monotonic()
    plan_all(deps, DUE.replace(minute=1))
    again = time.monotonic() - started
    conn.send((planned.get("weekly_prompt", 0), first, again, before, _peak_rss_mib()))
    db.dispose()


def plan_only(url: str, members: int) -> PlanResult:
    upgrade_to_head(url)
    db = Database.from_url(url)
    started = time.monotonic()
    enroll(db, 1, members)
    insert_seconds = time.monotonic() - started
    db.dispose()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_plan_child, args=(child, url))
    process.start()
    planned, first, again, before, peak = parent.recv()
    process.join(timeout=60)
    return PlanResult(
        database="postgresql" if url.startswith("postgres") else "sqlite",
        members=members,
        insert_seconds=insert_seconds,
        first_plan_seconds=first,
        planned=planned,
        replan_seconds=again,
        rss_before_mib=before,
        peak_rss_mib=peak,
    )


def render_plan(result: PlanResult) -> str:
    return "\n".join(
        [
            f"weekly planning ({result.database}), {result.members} members "
            f"(inserted in {result.insert_seconds:.1f} s)",
            f"first plan            {result.first_plan_seconds:.1f} s, {result.planned} prompts",
            f"re-plan, nothing new  {result.replan_seconds * 1000:.0f} ms",
            f"planning process RSS  {result.rss_before_mib:.0f} MiB before, {result.peak_rss_mib:.0f} MiB peak",
        ]
    )


# -- entry --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> Result | PlanResult:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default=None, help="a PostgreSQL server; a scratch database is made on it")
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--workspaces", type=int, default=1)
    parser.add_argument("--members", type=int, default=5000, help="members per workspace")
    parser.add_argument("--rate", type=float, default=20.0, help="chat.postMessage per second per workspace")
    parser.add_argument("--headroom", type=float, default=0.05, help="the bot paces this fraction below the rate")
    parser.add_argument("--workers", type=int, default=8, help="send threads per replica")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds each chat.postMessage takes")
    parser.add_argument("--throttled", type=int, default=0, help="workspaces answering 429 to everything")
    parser.add_argument("--plan-only", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    from tests.support.databases import create_scratch_database, drop_scratch_database

    with tempfile.TemporaryDirectory() as folder:
        url = create_scratch_database(args.server_url, Path(folder))
        try:
            if args.plan_only:
                planning = plan_only(url, args.members)
                print(json.dumps(asdict(planning)) if args.json else render_plan(planning), flush=True)
                return planning
            replicas = args.replicas if args.server_url else 1
            result = run(
                url,
                replicas,
                args.workspaces,
                args.members,
                args.rate,
                args.headroom,
                args.workers,
                args.latency,
                args.throttled,
            )
            print(json.dumps(asdict(result)) if args.json else render(result), flush=True)
            return result
        finally:
            drop_scratch_database(url)


if __name__ == "__main__":
    main()

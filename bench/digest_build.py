"""Digest: build one manager's weekly digest for 50 reports holding 20,000 wins between them.

Prints the time to build the digest (queries + Block Kit), the goal (under 200 ms), and, as a
same-run baseline, the time of one plain indexed query over the same rows (reading this week's
entries of those 50 people), so the ratio says how much the digest costs beyond touching the data.

    python -m bench.digest_build [--reports 50] [--wins 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.blocks.digest import digest_page
from bot.blocks.limits import message_problems
from bot.db.engine import Database
from bot.db.migrate import upgrade_to_head
from bot.db.models import BragEntry, BragEvidence, Member, StuckSession, Visibility, Workspace
from bot.services.digest import build_team_digest
from content import load_content

MANAGER = "UMANAGER"
WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)


def seed(db: Database, reports: int, wins: int, rng: random.Random) -> int:
    content = load_content()
    keys = [c.key for s in content.stages for c in s.exit_criteria] + [t.key for t in content.growth.tactics]
    with db.transaction() as session:
        workspace = Workspace(team_id="TBENCH", created_at=WEEK_START - timedelta(days=365))
        session.add(workspace)
        session.flush()
        member_rows = [
            {
                "workspace_id": workspace.id,
                "slack_user_id": f"U{index:05d}",
                "display_name": f"Report {index} <!channel>",
                "stage": rng.randint(1, 5),
                "manager_slack_user_id": MANAGER,
                "enrolled_at": WEEK_START - timedelta(days=365),
                "last_seen_at": WEEK_START,
            }
            for index in range(reports)
        ]
        session.execute(insert(Member), member_rows)
        member_ids = list(session.scalars(select(Member.id).where(Member.workspace_id == workspace.id)))
        entries = []
        for index in range(wins):
            created = WEEK_START + timedelta(days=7) - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            entries.append(
                {
                    "member_id": rng.choice(member_ids),
                    "what": f"Win {index}: shipped something useful & measurable",
                    "impact": "p99 latency down 30%" if index % 3 == 0 else None,
                    "visibility": Visibility.TEAM_CHANNEL.value if index % 2 == 0 else Visibility.PRIVATE.value,
                    "source": "command",
                    "created_at": created,
                    "updated_at": created,
                }
            )
        session.execute(insert(BragEntry), entries)
        entry_ids = list(session.scalars(select(BragEntry.id)))
        evidence = [
            {"entry_id": entry_id, "evidence_key": key}
            for entry_id in entry_ids
            for key in rng.sample(keys, rng.randint(0, 2))
        ]
        if evidence:
            session.execute(insert(BragEvidence), evidence)
        stuck = [
            {
                "member_id": rng.choice(member_ids),
                "what": "flaky test",
                "status": "resolved",
                "started_at": WEEK_START + timedelta(hours=rng.randint(1, 150)),
                "nudge_due_at": WEEK_START + timedelta(hours=160),
                "extensions": 0,
            }
            for _ in range(30)
        ]
        session.execute(insert(StuckSession), stuck)
        return int(workspace.id)


def time_it(action: object, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return samples


def run(database_url: str, reports: int, wins: int, repeats: int = 15) -> dict[str, float]:
    db = Database.from_url(database_url)
    content = load_content()
    workspace_id = seed(db, reports, wins, random.Random(7))
    week_end = WEEK_START + timedelta(days=7)

    def build() -> list[dict[str, object]]:
        with db.transaction() as session:
            digest = build_team_digest(session, content, workspace_id, MANAGER, WEEK_START, week_end)
        # As delivery renders them (bot/nudges/renderers/digest.py): one digest_page call per page, until none.
        pages: list[dict[str, object]] = []
        while (page := digest_page(content, digest, len(pages) + 1)) is not None:
            pages.append(page)
        return pages

    def baseline() -> None:
        with db.transaction() as session:
            member_ids = select(Member.id).where(Member.workspace_id == workspace_id)
            session.execute(
                select(BragEntry.id, BragEntry.what).where(
                    BragEntry.member_id.in_(member_ids),
                    BragEntry.created_at >= WEEK_START,
                    BragEntry.created_at < week_end,
                )
            ).all()

    messages = build()
    problems = [problem for m in messages for problem in message_problems(m)]
    assert not problems, problems
    assert all("<!channel>" not in str(m) for m in messages)
    build_times = time_it(build, repeats)
    baseline_times = time_it(baseline, repeats)
    db.dispose()
    return {
        "build_ms": statistics.median(build_times) * 1000,
        "build_max_ms": max(build_times) * 1000,
        "baseline_ms": statistics.median(baseline_times) * 1000,
        "messages": float(len(messages)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--wins", type=int, default=20_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'digest-bench.db'}"
    upgrade_to_head(url)
    figures = run(url, args.reports, args.wins)
    print(f"digest for {args.reports} reports, {args.wins} wins ({url.split(':')[0]}):")
    print(
        f"  build (queries + Block Kit): median {figures['build_ms']:.1f} ms, max {figures['build_max_ms']:.1f} ms"
        f"   (goal < 200 ms: {'yes' if figures['build_max_ms'] < 200 else 'NO'})"
    )
    print(f"  baseline (one indexed query of the week's entries): median {figures['baseline_ms']:.1f} ms")
    print(f"  ratio digest/baseline: {figures['build_ms'] / figures['baseline_ms']:.1f}x")
    print(f"  messages: {int(figures['messages'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The export: what is collected, and the Markdown and JSON rendered from it (pure functions)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import BragEntry, BragEvidence, EntrySource, Member, StuckSession, Visibility
from bot.services import brag, export
from bot.services.members import enroll
from content import Content
from tests.support.members import NOW, delivery
from tests.support.processes import clean_env


@pytest.fixture
def me(me: Member) -> Member:
    """conftest's ``me`` at stage 2, in Auckland."""
    me.stage = 2
    me.timezone = "Pacific/Auckland"
    return me


def test_markdown_groups_by_month_and_by_criterion(session: Session, content: Content, me: Member) -> None:
    stage = content.stage(2)
    first, second = stage.exit_criteria[0], stage.exit_criteria[1]
    other_stage = content.stage(4).exit_criteria[0]
    brag.create_entry(
        session,
        content,
        me,
        brag.WinInput(
            "September win\nwith a second line",
            impact="Saved 2 days",
            lesson="Ask sooner",
            link="https://example.com/1",
            evidence_keys=[first.key, "t-make-work-legible"],
            visibility=Visibility.MANAGER,
        ),
        now=datetime(2026, 9, 3, 9, tzinfo=UTC),
    )
    brag.create_entry(
        session,
        content,
        me,
        brag.WinInput("October win", evidence_keys=[first.key]),
        now=datetime(2026, 10, 5, tzinfo=UTC),
    )
    # 30 Nov 13:00 UTC is already 1 December in Auckland: months follow the member's timezone.
    brag.create_entry(
        session,
        content,
        me,
        brag.WinInput("Untagged win"),
        now=datetime(2026, 11, 30, 13, tzinfo=UTC),
        credited_user_id="U9",
    )
    brag.create_entry(
        session,
        content,
        me,
        brag.WinInput("Stretch win", evidence_keys=[other_stage.key]),
        now=datetime(2026, 10, 6, tzinfo=UTC),
    )

    data = export.collect(session, content, me)
    markdown = export.render_markdown(content, data, NOW)

    assert markdown.startswith("# Brag document\n")
    assert "Stage 2: Feature Owner · 4 wins" in markdown
    months = [line for line in markdown.splitlines() if line.startswith("### ") and "20" in line]
    assert months[:3] == ["### December 2026", "### October 2026", "### September 2026"]
    by_month, by_key = markdown.split("## By exit criterion and growth tactic")
    assert by_month.index("Stretch win") < by_month.index("October win")  # newest first
    assert "- **2026-09-03** — September win\n  with a second line" in by_month
    assert "  - Why it mattered: Saved 2 days" in by_month and "  - What I'd do differently: Ask sooner" in by_month
    assert "  - Link: https://example.com/1" in by_month and "  - Shared with my manager" in by_month
    assert f"  - Evidence for: {first.text}; Make your work legible" in by_month
    assert "Saved from a message by Slack user U9" in by_month

    section = by_key.split(f"#### ✓ {first.text}")[1].split("####")[0]
    assert "September win" in section and "October win" in section
    assert f"#### ○ {second.text}\n\n_No evidence yet._" in by_key
    assert "### Other stages' exit criteria" in by_key and f"#### {other_stage.text}" in by_key
    assert "### Growth tactics\n\n#### Make your work legible" in by_key
    assert by_key.split("### Other wins")[1].count("- **") == 1 and "Untagged win" in by_key.split("### Other wins")[1]


def test_markdown_with_no_stage_and_no_wins(session: Session, content: Content) -> None:
    member = enroll(session, "T1", "U3", NOW)
    data = export.collect(session, content, member)
    markdown = export.render_markdown(content, data, NOW)
    assert "0 wins" in markdown and "No wins recorded yet" in markdown
    brag.create_entry(
        session, content, member, brag.WinInput("x", evidence_keys=[content.stage(1).exit_criteria[0].key]), now=NOW
    )
    markdown = export.render_markdown(content, export.collect(session, content, member), NOW)
    assert "### Exit criteria" in markdown and "1 win" in markdown


def test_json_holds_all_of_the_members_data_and_only_theirs(session: Session, content: Content, me: Member) -> None:
    other = enroll(session, "T1", "U2", NOW)
    brag.create_entry(session, content, me, brag.WinInput("Mine", evidence_keys=["t-ask-for-feedback"]), now=NOW)
    brag.create_entry(session, content, other, brag.WinInput("Theirs"), now=NOW)
    session.add(StuckSession(member_id=me.id, what="flaky", nudge_due_at=NOW + timedelta(minutes=30), started_at=NOW))
    for member, recipient, period in [(me, "U1", "w1"), (other, "U1", "link"), (other, "U2", "w1")]:
        session.add(delivery(member, recipient, period))  # both members are in T1
    session.flush()
    document = json.loads(export.render_json(export.collect(session, content, me), NOW))
    assert document["format"] == export.EXPORT_FORMAT and document["exported_at"] == NOW.isoformat()
    assert document["team_id"] == "T1" and document["slack_user_id"] == "U1"
    assert document["member"]["timezone"] == "Pacific/Auckland" and document["member"]["prompt_minute"] == 960
    assert [e["what"] for e in document["brag_entries"]] == ["Mine"]
    assert document["brag_entries"][0]["evidence"] == ["t-ask-for-feedback"]
    assert document["brag_entries"][0]["created_at"] == NOW.isoformat()
    assert [s["what"] for s in document["stuck_sessions"]] == ["flaky"]
    assert sorted(d["period_key"] for d in document["nudge_deliveries"]) == ["link", "w1"]
    assert all(d["recipient_id"] == "U1" for d in document["nudge_deliveries"])


def test_filenames_use_the_members_date() -> None:
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert export.export_filenames(late, "Asia/Tokyo") == (
        "brag-document-2026-12-01.md",
        "stagecoach-data-2026-12-01.json",
    )
    assert export.export_filenames(late, "Not/AZone")[0] == "brag-document-2026-11-30.md"


@pytest.mark.slow(seconds=6)
def test_an_export_of_10000_full_size_wins_stays_under_150_mib(
    db: Database, database_url: str, content: Content, tmp_path: Path
) -> None:
    """Issue 24: built in memory it peaked at 740 MiB; written from batches, 31 MiB (SQLite and PostgreSQL,
    by tracemalloc). By the peak resident size (tests/support/export_peak.py): 36 MiB on SQLite, 38 MiB on
    PostgreSQL; 662 MiB with the document and the data built in memory before writing."""
    keys = [c.key for c in content.stage(1).exit_criteria]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with db.transaction() as session:
        member = enroll(session, "T1", "UBIG", start)
        member.stage = 1
        member_id = member.id
        rows = [
            {
                "member_id": member_id,
                "what": (f"win {index} " + "shipped the thing " * 120)[: brag.MAX_WHAT],
                "impact": ("mattered because " * 130)[: brag.MAX_IMPACT],
                "lesson": ("next time " * 110)[: brag.MAX_LESSON],
                "link": ("https://example.com/" + "x" * 1000)[: brag.MAX_LINK],
                "visibility": Visibility.PRIVATE,
                "source": EntrySource.COMMAND,
                "created_at": start + timedelta(hours=index),
                "updated_at": start + timedelta(hours=index),
            }
            for index in range(10_000)
        ]
        session.execute(insert(BragEntry), rows)
        ids = list(session.scalars(select(BragEntry.id).where(BragEntry.member_id == member_id).order_by(BragEntry.id)))
        session.execute(insert(BragEvidence), [{"entry_id": i, "evidence_key": keys[i % len(keys)]} for i in ids[::3]])
    # The export in a process of its own (tests/support/export_peak.py says why), as of 30 Nov 2026.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.export_peak",
            database_url,
            str(member_id),
            datetime(2026, 11, 30, tzinfo=UTC).isoformat(),
            str(tmp_path),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    files = json.loads(run.stdout)
    peak = files["peak"]
    assert files["entries"] == 10_000
    assert peak < 150 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB ({files['measured_by']})"
    document = json.loads(Path(files["document"]).read_text(encoding="utf-8"))
    assert len(document["brag_entries"]) == 10_000
    assert document["brag_entries"][0]["what"].startswith("win 0 ")
    markdown = Path(files["markdown"]).read_text(encoding="utf-8")
    # Each win by month, and again under its criterion or under "Other wins".
    assert markdown.count("\n- **") == 20_000

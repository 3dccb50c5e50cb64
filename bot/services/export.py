"""Exports: the brag document as Markdown, and everything the bot holds about someone as JSON.

:func:`export_files` is the whole export; :func:`collect` reads the database, :func:`render_markdown`
and :func:`render_json` are pure.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import (
    Member,
    NudgeDelivery,
    Rater,
    ReviewConversation,
    StuckSession,
    Visibility,
    Workspace,
)
from bot.services.brag import EntrySummary, all_entries, in_content_order, summarize
from bot.services.growth import GrowthWin, quarter_growth
from bot.services.localtime import zone
from bot.services.stages import load_member
from content import Content, load_signal_rules

EXPORT_FORMAT = "stagecoach-export/1"
OTHER_WINS = "Other wins"


@dataclass(frozen=True)
class ExportData:
    slack_user_id: str
    team_id: str
    stage: int | None
    timezone: str
    entries: list[EntrySummary]
    """Oldest first."""
    member_row: dict[str, Any]
    entry_rows: list[dict[str, Any]]
    stuck_rows: list[dict[str, Any]]
    delivery_rows: list[dict[str, Any]]
    review_rows: list[dict[str, Any]] = field(default_factory=list)
    """Their review conversations with their own ratings (a manager's ratings are the manager's words)."""


def _row(obj: object) -> dict[str, Any]:
    """Every column of a mapped object, so new columns are exported without anyone remembering to."""
    mapper = inspect(obj).mapper
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}


def collect(session: Session, content: Content, member: Member) -> ExportData:
    """Everything stored about ``member``: settings, wins with evidence, stuck timers, the ledger rows
    about them or sent to them."""
    workspace = session.get(Workspace, member.workspace_id)
    entries = all_entries(session, member.id)
    entry_rows = [{**_row(entry), "evidence": sorted(entry.evidence_keys)} for entry in entries]
    stuck = session.scalars(
        select(StuckSession).where(StuckSession.member_id == member.id).order_by(StuckSession.started_at)
    )
    deliveries = session.scalars(
        select(NudgeDelivery)
        .where(
            (NudgeDelivery.member_id == member.id)
            | (
                (NudgeDelivery.workspace_id == member.workspace_id)
                & (NudgeDelivery.recipient_id == member.slack_user_id)
            )
        )
        .order_by(NudgeDelivery.due_at, NudgeDelivery.id)
    )
    conversations = session.scalars(
        select(ReviewConversation)
        .where(ReviewConversation.member_id == member.id)
        .order_by(ReviewConversation.review_date)
    )
    review_rows = [
        {
            **_row(conversation),
            "ratings": {r.criterion_key: r.level for r in conversation.ratings if r.rater == Rater.SELF},
        }
        for conversation in conversations
    ]
    return ExportData(
        slack_user_id=member.slack_user_id,
        team_id=workspace.team_id if workspace is not None else "",
        stage=member.stage,
        timezone=member.timezone,
        entries=[summarize(content, entry) for entry in entries],
        member_row=_row(member),
        entry_rows=entry_rows,
        stuck_rows=[_row(row) for row in stuck],
        delivery_rows=[_row(row) for row in deliveries],
        review_rows=review_rows,
    )


# -- JSON ---------------------------------------------------------------------------------------


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def render_json(data: ExportData, exported_at: datetime) -> str:
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": exported_at,
        "slack_user_id": data.slack_user_id,
        "team_id": data.team_id,
        "member": data.member_row,
        "brag_entries": data.entry_rows,
        "stuck_sessions": data.stuck_rows,
        "nudge_deliveries": data.delivery_rows,
        "review_conversations": data.review_rows,
    }
    return json.dumps(document, default=_json_value, indent=2, ensure_ascii=False) + "\n"


# -- Markdown -----------------------------------------------------------------------------------


def _continued(text: str, indent: str) -> str:
    """Multi-line text kept inside its Markdown list item."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return f"\n{indent}".join(line for line in lines if line) or ""


def _entry_lines(content: Content, entry: EntrySummary, tz: ZoneInfo, *, with_evidence: bool) -> list[str]:
    day = entry.created_at.astimezone(tz).date().isoformat()
    lines = [f"- **{day}** — {_continued(entry.what, '  ')}"]
    if entry.impact:
        lines.append(f"  - Why it mattered: {_continued(entry.impact, '    ')}")
    if entry.lesson:
        lines.append(f"  - What I'd do differently: {_continued(entry.lesson, '    ')}")
    if entry.link:
        lines.append(f"  - Link: {entry.link}")
    if with_evidence and entry.evidence_keys:
        labels = [content.evidence_label(key) or key for key in entry.evidence_keys]
        lines.append(f"  - Evidence for: {'; '.join(labels)}")
    if entry.credited_user_id:
        lines.append(f"  - Saved from a message by Slack user {entry.credited_user_id}")
    if entry.visibility == Visibility.MANAGER:
        lines.append("  - Shared with my manager")
    elif entry.visibility == Visibility.TEAM_CHANNEL:
        lines.append("  - Shared in my manager's team digest channel")
    if entry.growth_signal:
        lines.append(f"  - {entry.growth_signal.capitalize()}")
    return lines


def _newest_first(entries: list[EntrySummary]) -> list[EntrySummary]:
    return sorted(entries, key=lambda e: (e.created_at, e.id), reverse=True)


def render_markdown(content: Content, data: ExportData, exported_at: datetime) -> str:
    """The brag document, ready to paste into a review: by month (newest first), then by exit
    criterion and growth tactic, with wins that are evidence for nothing under "Other wins"."""
    tz = zone(data.timezone)
    entries = _newest_first(data.entries)
    stage = content.stage(data.stage) if data.stage is not None else None
    count = f"{len(entries)} win" + ("" if len(entries) == 1 else "s")
    facts = [f"Exported {exported_at.astimezone(tz).date().isoformat()}"]
    if stage is not None:
        facts.append(stage.title)
    facts.append(count)
    out: list[str] = ["# Brag document", "", " · ".join(facts), ""]
    if not entries:
        out += ["No wins recorded yet. Record one with `/win` in Slack.", ""]
        return "\n".join(out)

    out += ["## By month", ""]
    by_month: dict[tuple[int, int], list[EntrySummary]] = defaultdict(list)
    for entry in entries:
        local = entry.created_at.astimezone(tz)
        by_month[(local.year, local.month)].append(entry)
    for year, month in sorted(by_month, reverse=True):
        out += [f"### {date(year, month, 1):%B %Y}", ""]
        for entry in by_month[(year, month)]:
            out += _entry_lines(content, entry, tz, with_evidence=True)
        out.append("")

    out += ["## By exit criterion and growth tactic", ""]
    by_key: dict[str, list[EntrySummary]] = defaultdict(list)
    for entry in entries:
        for key in entry.evidence_keys:
            by_key[key].append(entry)
    if stage is not None:
        out += [f"### {stage.title}: exit criteria", ""]
        for criterion in stage.exit_criteria:
            found = by_key.pop(criterion.key, [])
            mark = "✓" if found else "○"
            out += [f"#### {mark} {criterion.text}", ""]
            if found:
                for entry in found:
                    out += _entry_lines(content, entry, tz, with_evidence=False)
            else:
                out.append("_No evidence yet._")
            out.append("")
    remaining = in_content_order(content, by_key)
    criteria = [key for key in remaining if content.criterion(key) is not None]
    tactics = [key for key in remaining if key not in criteria]
    criteria_heading = "Other stages' exit criteria" if stage is not None else "Exit criteria"
    for heading, keys in ((criteria_heading, criteria), ("Growth tactics", tactics)):
        if not keys:
            continue
        out += [f"### {heading}", ""]
        for key in keys:
            out += [f"#### {content.evidence_label(key) or key}", ""]
            for entry in by_key[key]:
                out += _entry_lines(content, entry, tz, with_evidence=False)
            out.append("")
    unlinked = [entry for entry in entries if not entry.evidence_keys]
    if unlinked:
        out += [f"### {OTHER_WINS}", ""]
        for entry in unlinked:
            out += _entry_lines(content, entry, tz, with_evidence=False)
        out.append("")
    if stage is not None:
        out += growth_markdown(content, stage.number, entries, tz)
    return "\n".join(out)


def growth_markdown(content: Content, stage_number: int, entries: list[EntrySummary], tz: ZoneInfo) -> list[str]:
    """Decide / propose / learn by quarter: which of the stage's items have evidence, and next-stage items."""
    wins = [GrowthWin(e.created_at, e.what, e.growth_signal, e.evidence_keys) for e in entries]
    quarters = quarter_growth(content, load_signal_rules(), stage_number, wins, tz)
    out = ["## Decide, propose, learn (by quarter)", ""]
    if not quarters:
        return [*out, "_No wins tagged decided, proposed or learned yet._", ""]
    for quarter in quarters:
        out += [f"### {quarter.label}", ""]
        for coverage in quarter.lists:
            done = "; ".join(item.text for item in coverage.evidenced) or "—"
            out.append(f"- {coverage.title} ({len(coverage.evidenced)}/{len(coverage.items)}): {done}")
        if quarter.next_stage:
            ahead = "; ".join(f"{item.list_name} {item.text}" for item in quarter.next_stage)
            out.append(f"- Already at the next stage: {ahead}")
        out.append("")
    return out


def export_filenames(exported_at: datetime, timezone: str) -> tuple[str, str]:
    day = exported_at.astimezone(zone(timezone)).date().isoformat()
    return f"brag-document-{day}.md", f"stagecoach-data-{day}.json"


@dataclass(frozen=True)
class ExportFiles:
    """The two files of an export, ready to upload."""

    markdown: str
    markdown_name: str
    document: str
    """The JSON of everything held about the member."""
    json_name: str
    entries: int


MAX_EXPORTS_AT_ONCE = 2
"""Exports this process builds at once. An export of 10,000 full-size wins peaked at 740 MiB and four at once
at 2.2-2.4 GiB (issue 24); two bound the worst case to about 1.5 GiB, and one member holds at most one."""
_exporting: set[int] = set()
_exporting_lock = threading.Lock()


class ExportBusy(Exception):
    """An export cannot start now: ``own`` when this member's previous one is still being built."""

    def __init__(self, own: bool) -> None:
        super().__init__("this member's export is running" if own else "too many exports at once")
        self.own = own


@contextmanager
def export_slot(member_id: int) -> Iterator[None]:
    """Hold one of the process's export places for ``member_id`` (or raise :class:`ExportBusy`)."""
    with _exporting_lock:
        if member_id in _exporting:
            raise ExportBusy(own=True)
        if len(_exporting) >= MAX_EXPORTS_AT_ONCE:
            raise ExportBusy(own=False)
        _exporting.add(member_id)
    try:
        yield
    finally:
        with _exporting_lock:
            _exporting.discard(member_id)


def export_files(db: Database, content: Content, member_id: int, now: datetime) -> ExportFiles:
    """The member's brag document and data as of ``now`` (read in one transaction, rendered after it)."""
    with db.transaction() as session:
        data = collect(session, content, load_member(session, member_id))
    markdown_name, json_name = export_filenames(now, data.timezone)
    return ExportFiles(
        markdown=render_markdown(content, data, now),
        markdown_name=markdown_name,
        document=render_json(data, now),
        json_name=json_name,
        entries=len(data.entries),
    )

"""Exports: the brag document as Markdown, and everything the bot holds about someone as JSON.

:func:`export_files` is the whole export; :func:`collect` reads the database, :func:`render_markdown`
and :func:`render_json` are pure.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.db.engine import Database
from bot.db.models import (
    BragEntry,
    BragEvidence,
    Member,
    NudgeDelivery,
    Rater,
    ReviewConversation,
    StuckSession,
    Visibility,
    Workspace,
)
from bot.services import found
from bot.services.brag import EntrySummary, all_entries, count_entries, in_content_order, summarize
from bot.services.growth_wins import GrowthWin
from bot.services.localtime import zone
from bot.services.quarters import quarter_growth
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
    found_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Connected accounts (login and scopes, never the token) and found items (``services/found.py``)."""


def _row(obj: object) -> dict[str, Any]:
    """Every column of a mapped object, so new columns are exported without anyone remembering to."""
    mapper = inspect(obj).mapper
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}


def collect(session: Session, content: Content, member: Member, *, with_entries: bool = True) -> ExportData:
    """Everything stored about ``member``: settings, wins with evidence, stuck timers, the ledger rows
    about them or sent to them (``with_entries=False``: all but the wins, which an export streams)."""
    workspace = session.get(Workspace, member.workspace_id)
    entries = all_entries(session, member.id) if with_entries else []
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
        found_rows=found.export_rows(session, member.id),
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
        **data.found_rows,
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


class Entries(Protocol):
    """Where the brag document's entries come from: a list in memory, or the database in batches."""

    def count(self) -> int: ...
    def newest_first(self) -> Iterable[EntrySummary]: ...
    def keys(self) -> set[str]:
        """Every evidence key any entry has."""
        ...

    def with_key(self, key: str) -> Iterable[EntrySummary]:
        """Entries with this evidence key, newest first."""
        ...

    def unlinked(self) -> Iterable[EntrySummary]:
        """Entries evidence for nothing, newest first."""
        ...


class ListedEntries:
    """:class:`Entries` over a list (the pure renderer, and tests)."""

    def __init__(self, entries: list[EntrySummary]) -> None:
        self._entries = _newest_first(entries)

    def count(self) -> int:
        return len(self._entries)

    def newest_first(self) -> Iterable[EntrySummary]:
        return iter(self._entries)

    def keys(self) -> set[str]:
        return {key for entry in self._entries for key in entry.evidence_keys}

    def with_key(self, key: str) -> Iterable[EntrySummary]:
        return (entry for entry in self._entries if key in entry.evidence_keys)

    def unlinked(self) -> Iterable[EntrySummary]:
        return (entry for entry in self._entries if not entry.evidence_keys)


def render_markdown(content: Content, data: ExportData, exported_at: datetime) -> str:
    """The brag document, ready to paste into a review: by month (newest first), then by exit
    criterion and growth tactic, with wins that are evidence for nothing under "Other wins"."""
    out = io.StringIO()
    write_markdown(out, content, data.stage, data.timezone, ListedEntries(data.entries), exported_at)
    return out.getvalue()


def write_markdown(
    out: TextIO, content: Content, stage_number: int | None, timezone: str, entries: Entries, exported_at: datetime
) -> None:
    """:func:`render_markdown`, written as it goes: one entry's lines at a time (bounded memory)."""
    tz = zone(timezone)
    stage = content.stage(stage_number) if stage_number is not None else None
    total = entries.count()
    count = f"{total} win" + ("" if total == 1 else "s")
    facts = [f"Exported {exported_at.astimezone(tz).date().isoformat()}"]
    if stage is not None:
        facts.append(stage.title)
    facts.append(count)

    def lines(*items: str) -> None:
        out.write("\n".join(items) + "\n")

    lines("# Brag document", "", " · ".join(facts), "")
    if not total:
        lines("No wins recorded yet. Record one with `/win` in Slack.", "")
        return

    lines("## By month", "")
    month: tuple[int, int] | None = None
    wins: list[GrowthWin] = []
    for entry in entries.newest_first():
        local = entry.created_at.astimezone(tz)
        if (local.year, local.month) != month:
            if month is not None:
                lines("")
            month = (local.year, local.month)
            lines(f"### {date(local.year, local.month, 1):%B %Y}", "")
        lines(*_entry_lines(content, entry, tz, with_evidence=True))
        # What growth needs of each win (its text is read for signals): kept, the rest of the entry not.
        wins.append(
            GrowthWin(
                entry.created_at, entry.what, entry.growth_signal, entry.evidence_keys, entry.growth_signal_chosen
            )
        )
    lines("")

    lines("## By exit criterion and growth tactic", "")
    keys = entries.keys()
    if stage is not None:
        lines(f"### {stage.title}: exit criteria", "")
        for criterion in stage.exit_criteria:
            found = criterion.key in keys
            keys.discard(criterion.key)
            lines(f"#### {'✓' if found else '○'} {criterion.text}", "")
            if found:
                for entry in entries.with_key(criterion.key):
                    lines(*_entry_lines(content, entry, tz, with_evidence=False))
            else:
                lines("_No evidence yet._")
            lines("")
    remaining = in_content_order(content, keys)
    criteria = [key for key in remaining if content.criterion(key) is not None]
    tactics = [key for key in remaining if key not in criteria]
    criteria_heading = "Other stages' exit criteria" if stage is not None else "Exit criteria"
    for heading, group in ((criteria_heading, criteria), ("Growth tactics", tactics)):
        if not group:
            continue
        lines(f"### {heading}", "")
        for key in group:
            lines(f"#### {content.evidence_label(key) or key}", "")
            for entry in entries.with_key(key):
                lines(*_entry_lines(content, entry, tz, with_evidence=False))
            lines("")
    first_unlinked = True
    for entry in entries.unlinked():
        if first_unlinked:
            lines(f"### {OTHER_WINS}", "")
            first_unlinked = False
        lines(*_entry_lines(content, entry, tz, with_evidence=False))
    if not first_unlinked:
        lines("")
    if stage is not None:
        lines(*growth_markdown(content, stage.number, wins, tz))


def growth_markdown(content: Content, stage_number: int, wins: list[GrowthWin], tz: ZoneInfo) -> list[str]:
    """Decide / propose / learn by quarter: which of the stage's items have evidence, and next-stage items."""
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


EXPORT_BATCH = 500
"""Entries read per query while an export is written: 500 full-size wins (6 kB of text each) are ~10 MB
of objects at a time, whatever the brag document's length."""


class StoredEntries:
    """:class:`Entries` read from the database in batches (keyset pages, newest first), never all at once.

    An export of 10,000 full-size wins built everything in memory (rows, summaries, both documents as
    strings) and peaked at 740 MiB; written from these batches to files it stays bounded (issue 24).
    """

    def __init__(self, session: Session, content: Content, member_id: int) -> None:
        self._session = session
        self._content = content
        self._member_id = member_id

    def count(self) -> int:
        return count_entries(self._session, self._member_id)

    def keys(self) -> set[str]:
        return set(
            self._session.scalars(
                select(BragEvidence.evidence_key)
                .join(BragEntry, BragEntry.id == BragEvidence.entry_id)
                .where(BragEntry.member_id == self._member_id)
                .distinct()
            )
        )

    def batches(self, *where: ColumnElement[bool], newest_first: bool = True) -> Iterator[list[BragEntry]]:
        """The member's entries matching ``where``, a batch at a time."""
        created, ident = BragEntry.created_at, BragEntry.id
        order = (created.desc(), ident.desc()) if newest_first else (created, ident)
        after: tuple[datetime, int] | None = None
        while True:
            query = select(BragEntry).options(selectinload(BragEntry.evidence))
            query = query.where(BragEntry.member_id == self._member_id, *where)
            if after is not None:
                at, last = after
                if newest_first:
                    query = query.where(or_(created < at, and_(created == at, ident < last)))
                else:
                    query = query.where(or_(created > at, and_(created == at, ident > last)))
            batch = list(self._session.scalars(query.order_by(*order).limit(EXPORT_BATCH)))
            if not batch:
                return
            yield batch
            after = (batch[-1].created_at, batch[-1].id)
            # Done with these: without this the session's identity map keeps every batch alive.
            for entry in batch:
                self._session.expunge(entry)  # its evidence rows with it (the relationship cascades)

    def _summaries(self, *where: ColumnElement[bool]) -> Iterator[EntrySummary]:
        for batch in self.batches(*where):
            yield from (summarize(self._content, entry) for entry in batch)

    def newest_first(self) -> Iterable[EntrySummary]:
        return self._summaries()

    def with_key(self, key: str) -> Iterable[EntrySummary]:
        tagged = select(BragEvidence.entry_id).where(BragEvidence.evidence_key == key)
        return self._summaries(BragEntry.id.in_(tagged))

    def unlinked(self) -> Iterable[EntrySummary]:
        return self._summaries(~BragEntry.evidence.any())


def _indented(text: str, indent: str) -> str:
    return indent + text.replace("\n", "\n" + indent)


def write_json(out: TextIO, session: Session, entries: StoredEntries, member: Member, exported_at: datetime) -> None:
    """:func:`render_json`'s document, written one entry at a time (the same keys, in the same order)."""
    data = collect(session, entries._content, member, with_entries=False)
    head = {
        "format": EXPORT_FORMAT,
        "exported_at": exported_at,
        "slack_user_id": data.slack_user_id,
        "team_id": data.team_id,
        "member": data.member_row,
    }
    opening = json.dumps(head, default=_json_value, indent=2, ensure_ascii=False)
    out.write(opening[: -len("\n}")] + ',\n  "brag_entries": [')
    first = True
    for batch in entries.batches(newest_first=False):
        for entry in batch:
            row = {**_row(entry), "evidence": sorted(entry.evidence_keys)}
            text = json.dumps(row, default=_json_value, indent=2, ensure_ascii=False)
            out.write(("\n" if first else ",\n") + _indented(text, "    "))
            first = False
    out.write("]" if first else "\n  ]")
    rest = {
        "stuck_sessions": data.stuck_rows,
        "nudge_deliveries": data.delivery_rows,
        "review_conversations": data.review_rows,
        **data.found_rows,
    }
    out.write("," + json.dumps(rest, default=_json_value, indent=2, ensure_ascii=False)[1:] + "\n")


MAX_EXPORTS_AT_ONCE = 2
"""Exports this process writes at once, and one member holds at most one: each reads the database for
seconds (10,000 full-size wins) and writes two files; a member asking again is told theirs is coming."""
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


@dataclass(frozen=True)
class ExportFiles:
    """The two files of an export, written and ready to upload."""

    markdown: Path
    markdown_name: str
    document: Path
    """The JSON of everything held about the member."""
    json_name: str
    entries: int


def export_files(db: Database, content: Content, member_id: int, now: datetime, folder: Path) -> ExportFiles:
    """Write the member's brag document and data as of ``now`` into ``folder`` (one read transaction)."""
    with db.transaction() as session:
        member = load_member(session, member_id)
        markdown_name, json_name = export_filenames(now, member.timezone)
        entries = StoredEntries(session, content, member_id)
        stage, timezone, count = member.stage, member.timezone, entries.count()
        markdown, document = folder / markdown_name, folder / json_name
        with markdown.open("w", encoding="utf-8") as out:
            write_markdown(out, content, stage, timezone, entries, now)
        with document.open("w", encoding="utf-8") as out:
            write_json(out, session, entries, member, now)
    return ExportFiles(markdown, markdown_name, document, json_name, count)

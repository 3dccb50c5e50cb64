"""Exports: the brag document as Markdown, and everything the bot holds about someone as JSON.

:func:`export_files` is the whole export, two files written in one read transaction. The pieces:
:mod:`bot.services.export_data` (the JSON: :func:`collect` reads the database, :func:`render_json` is pure),
:mod:`bot.services.brag_markdown` (the Markdown), :mod:`bot.services.entry_batches` (entries in batches);
their names stay importable from here.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.db.engine import Database
from bot.services.brag_markdown import ListedEntries, write_markdown
from bot.services.entry_batches import StoredEntries
from bot.services.export_data import EXPORT_FORMAT as EXPORT_FORMAT
from bot.services.export_data import ExportData as ExportData
from bot.services.export_data import collect as collect
from bot.services.export_data import render_json as render_json
from bot.services.export_data import write_json
from bot.services.localtime import zone
from bot.services.stages import load_member
from content import Content


def render_markdown(content: Content, data: ExportData, exported_at: datetime) -> str:
    """The brag document, ready to paste into a review: by month (newest first), then by exit
    criterion and growth tactic, with wins that are evidence for nothing under "Other wins"."""
    out = io.StringIO()
    write_markdown(out, content, data.stage, data.timezone, ListedEntries(data.entries), exported_at)
    return out.getvalue()


def export_filenames(exported_at: datetime, timezone: str) -> tuple[str, str]:
    day = exported_at.astimezone(zone(timezone)).date().isoformat()
    return f"brag-document-{day}.md", f"stagecoach-data-{day}.json"


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

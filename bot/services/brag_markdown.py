"""The brag document in Markdown, ready to paste into a review: by month (newest first), then by exit
criterion and growth tactic, then decide / propose / learn by quarter. Written as it goes, from entries
in memory or read from the database in batches (:class:`Entries`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

from bot.db.models import Visibility
from bot.services.entry_reads import EntrySummary, in_content_order
from bot.services.growth_wins import GrowthWin
from bot.services.localtime import zone
from bot.services.quarters import quarter_growth
from content import Content, load_signal_rules

OTHER_WINS = "Other wins"


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

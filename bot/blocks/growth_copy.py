"""Growth shown to people: the trend's sparkline, a 1:1 question from a report's open criteria, and what changes
for a manager when a report moves up a stage."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.services.progress import StageProgress
from bot.services.readiness import MonthEvidence
from content import Stage

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(months: Sequence[MonthEvidence]) -> str:
    """``▁▃▅█▁▂``: each month's count against the busiest month (an empty month is the lowest bar)."""
    top = max((month.count for month in months), default=0)
    if top == 0:
        return SPARKS[0] * len(months)
    return "".join(SPARKS[min(len(SPARKS) - 1, math.ceil(month.count * (len(SPARKS) - 1) / top))] for month in months)


def one_line_prompt(progress: StageProgress | None, turn: int) -> str | None:
    """A one-line 1:1 question from the report's open exit criteria, rotating with ``turn``."""
    if progress is None or not progress.open_criteria:
        return None
    criterion = progress.open_criteria[turn % len(progress.open_criteria)]
    return f"Ask about “{criterion.text}”: what work coming up could show it?"


def involvement_changes(before: Stage, after: Stage) -> list[str]:
    """What changes for the manager when a report moves from ``before`` to ``after``: one line per aspect."""
    lines = []
    aspects = [("You", "does"), ("Meetings", "meetings"), ("You review", "reviews")]
    for title, field in aspects:
        old = list(getattr(before.manager, field)) if before.manager else []
        new = list(getattr(after.manager, field)) if after.manager else []
        dropped = [item for item in old if item not in new]
        added = [item for item in new if item not in old]
        if not dropped and not added:
            continue
        parts = []
        if added:
            parts.append("now " + ", ".join(added))
        if dropped:
            parts.append("no longer " + ", ".join(dropped))
        lines.append(f"{title}: {'; '.join(parts)}")
    if after.manager is None:
        lines.append("At this stage they do what a manager did: your role becomes a peer's and a sponsor's.")
    return lines

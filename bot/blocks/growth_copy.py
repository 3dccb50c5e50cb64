"""Growth shown to people: the trend's sparkline and a 1:1 question from a report's open criteria."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.services.progress import StageProgress
from bot.services.readiness import MonthEvidence

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

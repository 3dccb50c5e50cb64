"""A member's growth per calendar quarter (their timezone): which items of their stage's lists have
evidence, and which *next-stage* items they already decide or propose (the roadmap's signal of growth)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.growth_wins import GrowthWin
from bot.services.items import Item, matcher_for, stage_items
from bot.services.signals import LIST_TITLES
from content import Content, SignalRules


@dataclass(frozen=True)
class ListCoverage:
    list_name: str
    items: list[Item]
    evidenced: list[Item]

    @property
    def title(self) -> str:
        return LIST_TITLES[self.list_name]


@dataclass(frozen=True)
class QuarterGrowth:
    label: str
    """``2026 Q4``."""
    wins: int
    lists: list[ListCoverage]
    """The member's stage's "You decide", "You propose" and "Learning" lists, with what has evidence (wins
    whose signal the member picked; a guessed one is only a suggestion)."""
    next_stage: list[Item]
    """Items of the next stage's "You decide" / "You propose" lists the member already decided or proposed
    (by their own choice of signal)."""


def quarter_label(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.year} Q{(local.month - 1) // 3 + 1}"


def quarter_growth(
    content: Content, rules: SignalRules, stage_number: int, wins: Sequence[GrowthWin], tz: ZoneInfo, limit: int = 4
) -> list[QuarterGrowth]:
    """Per calendar quarter with wins (newest first, at most ``limit``): the stage's lists, evidenced items."""
    matcher = matcher_for(content, rules)
    stage = content.stage(stage_number)
    by_quarter: dict[str, list[GrowthWin]] = {}
    for win in wins:
        by_quarter.setdefault(quarter_label(win.created_at, tz), []).append(win)
    quarters = []
    for label in sorted(by_quarter, reverse=True)[:limit]:
        matched = {}
        for win in by_quarter[label]:
            # A signal guessed from the text is a suggestion: it counts once the person picks it.
            item = matcher.match(content, stage_number, win.signal, win.what) if win.signal_chosen else None
            if item is not None:
                matched[item.key] = item
        lists = []
        for name in LIST_TITLES:
            items = stage_items(stage, name)
            lists.append(ListCoverage(name, items, [item for item in items if item.key in matched]))
        ahead = sorted(
            (item for item in matched.values() if item.stage != stage_number),
            key=lambda item: (item.list_name, item.index),
        )
        quarters.append(QuarterGrowth(label, len(by_quarter[label]), lists, ahead))
    return quarters

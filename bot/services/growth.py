"""Growth over time, as the roadmap measures it: the names callers imported before issue 26 split this
module into one module per job (re-exported here until every caller imports from its own module).

- :mod:`bot.services.signals`: decide / propose / learn, the cue phrases and the win modal's choice.
- :mod:`bot.services.items`: which roadmap item a win is evidence for (the one BM25 ranker).
- :mod:`bot.services.growth_wins`: wins as growth evidence, loaded in one query.
- :mod:`bot.services.months`: calendar months in a person's timezone.
- :mod:`bot.services.quarters`: a member's growth per quarter.
- :mod:`bot.services.readiness`: sustained readiness and the monthly trend, counted in the database.
- :mod:`bot.services.involvement`: the manager's part at each stage.
- :mod:`bot.blocks.growth_copy`: the sparkline, the 1:1 question, a stage change for the manager (copy).
"""

from __future__ import annotations

from bot.blocks.growth_copy import SPARKS, involvement_changes, one_line_prompt, sparkline
from bot.services.growth_wins import GrowthWin, load_wins
from bot.services.involvement import involvement_summary
from bot.services.items import COMMON_ITEM_WORD, Item, ItemMatcher, matcher_for, stage_items, win_item
from bot.services.months import last_months, month_of, window_start
from bot.services.quarters import ListCoverage, QuarterGrowth, quarter_growth, quarter_label
from bot.services.readiness import MonthEvidence, Readiness, TeamFigures, member_readiness, team_figures
from bot.services.signals import (
    AUTO_SIGNAL,
    LIST_TITLES,
    NONE_SIGNAL,
    SIGNAL_LISTS,
    parse_signal,
    signal_from_form,
    suggest_signal,
)

__all__ = [
    "AUTO_SIGNAL",
    "COMMON_ITEM_WORD",
    "LIST_TITLES",
    "NONE_SIGNAL",
    "SIGNAL_LISTS",
    "SPARKS",
    "GrowthWin",
    "Item",
    "ItemMatcher",
    "ListCoverage",
    "MonthEvidence",
    "QuarterGrowth",
    "Readiness",
    "TeamFigures",
    "involvement_changes",
    "involvement_summary",
    "last_months",
    "load_wins",
    "matcher_for",
    "member_readiness",
    "month_of",
    "one_line_prompt",
    "parse_signal",
    "quarter_growth",
    "quarter_label",
    "signal_from_form",
    "sparkline",
    "stage_items",
    "suggest_signal",
    "team_figures",
    "win_item",
    "window_start",
]

"""Decide / propose / learn: the growth signal a win carries.

:func:`suggest_signal` reads a win's text with the cue phrases in ``content/growth_signals.yaml``
("decided to use a feature flag…" → decided); :func:`signal_from_form` reads the win modal's choice.
"""

from __future__ import annotations

import re

from bot.db.models import GrowthSignal
from content import SignalRules
from content.schema import normalise

SIGNAL_LISTS = {
    GrowthSignal.DECIDED: "decides",
    GrowthSignal.PROPOSED: "proposes",
    GrowthSignal.LEARNED: "learning",
}
LIST_TITLES = {"decides": "You decide", "proposes": "You propose", "learning": "Learning"}
NONE_SIGNAL = "none"
"""The modal's "neither" choice: the person says the win is none of the three."""
AUTO_SIGNAL = "auto"
"""The modal's default: suggest from the text on save."""
SUGGEST = "suggest"
"""Pass as ``growth_signal`` to have decided / proposed / learned suggested from the win's text."""
KEEP = "keep"
"""Pass as ``growth_signal`` to an update to leave the win's decided / proposed / learned as it is."""


_PATTERNS: dict[int, tuple[SignalRules, list[tuple[str, re.Pattern[str]]]]] = {}
"""Built once per loaded rules (frozen content models hold lists, so are not hashable: keyed by id, with
the object kept alive beside it so an id is never reused)."""


def _cue_patterns(rules: SignalRules) -> list[tuple[str, re.Pattern[str]]]:
    cached = _PATTERNS.get(id(rules))
    if cached is not None:
        return cached[1]
    patterns = []
    for rule in rules.signals:
        alternatives = "|".join(re.escape(cue) for cue in sorted(rule.cues, key=len, reverse=True))
        patterns.append((rule.key, re.compile(rf"(?:^| )(?:{alternatives})(?= |$)")))
    _PATTERNS[id(rules)] = (rules, patterns)
    return patterns


def suggest_signal(rules: SignalRules, text: str) -> GrowthSignal | None:
    """decided / proposed / learned: the signal whose cue appears earliest in ``text``; None if none does."""
    folded = normalise(text)
    found: list[tuple[int, str]] = []
    for key, pattern in _cue_patterns(rules):
        hit = pattern.search(folded)
        if hit is not None:
            found.append((hit.start(), key))
    return GrowthSignal(min(found)[1]) if found else None


def parse_signal(value: str | None) -> GrowthSignal | None:
    """A signal picked in a form or a button: decided / proposed / learned, or None for anything else."""
    return GrowthSignal(value) if value in SIGNAL_LISTS else None


def signal_from_form(value: str | None, editing: bool) -> str | None:
    """The modal's choice as ``create_entry``/``update_entry`` want it: suggest, keep, a signal, or None."""
    if value == AUTO_SIGNAL:
        return SUGGEST
    if value is None:
        return KEEP if editing else SUGGEST
    return parse_signal(value)

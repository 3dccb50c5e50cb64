"""Which roadmap item a win is evidence for: a stage's "You decide", "You propose" or "Learning" list.

:class:`ItemMatcher` finds the item with the bot's one ranker (Okapi BM25, ``services/evidence.Ranker``)
over the roadmap's items, with the content's synonyms folded in. Items are 2-8 words long, so a plain
word-overlap count would rank "Technology choices" and "Who to mentor and how to grow them" alike; BM25's
IDF makes a rare shared word ("ship", "refactor") outweigh a common one ("technical", which 12 of the 68
items share), and its length normalisation stops the longest items from winning every tie.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.db.models import GrowthSignal
from bot.services.evidence import Ranker
from bot.services.signals import LIST_TITLES, SIGNAL_LISTS
from bot.services.wording import terms, words_of
from content import Content, SignalRules, Stage, load_signal_rules
from content.schema import normalise

COMMON_ITEM_WORD = 3
"""A win that shares one word with an item is evidence for it only when fewer than this many of the 68
items use that word: "technical" (12 items), "build" (7) or "system" (3) alone says nothing about which one,
while "refactor" (2) or "ship" (1, with "launch" and "release" folded in) does."""


@dataclass(frozen=True)
class Item:
    """One item of a stage's "You decide", "You propose" or "Learning" list."""

    stage: int
    list_name: str
    """``decides``, ``proposes`` or ``learning``."""
    index: int
    text: str

    @property
    def key(self) -> str:
        return f"s{self.stage}-{self.list_name}-{self.index}"


def stage_items(stage: Stage, list_name: str) -> list[Item]:
    texts = {"decides": stage.decides, "proposes": stage.proposes, "learning": stage.learning.items}[list_name]
    return [Item(stage.number, list_name, index, text) for index, text in enumerate(texts)]


_MATCHERS: dict[tuple[int, int], tuple[Content, SignalRules, ItemMatcher]] = {}
"""Built once per loaded content (content models are frozen but hold lists, so not hashable: keyed by id,
with the objects kept alive beside them so an id is never reused)."""


class ItemMatcher:
    """Every decide / propose / learn item of the roadmap, ranked by the one ranker (``services/evidence``)."""

    def __init__(self, content: Content, rules: SignalRules) -> None:
        self.synonyms = {normalise(k): normalise(v) for k, v in rules.synonyms.items()}
        # The cue words say *that* someone decided; they must not also say *what* ("decisions" is a
        # Learning item's word).
        self.cue_words = frozenset(w for rule in rules.signals for cue in rule.cues for w in cue.split())
        self.items = [item for stage in content.stages for name in LIST_TITLES for item in stage_items(stage, name)]
        self.ranker = Ranker({item.key: Counter(terms(item.text, self.synonyms)) for item in self.items})

    def best(self, text: str, candidates: Iterable[Item]) -> Item | None:
        """The candidate the text matches best (the first among equals); None when the text shares no word
        with any, or only one word that many items use."""
        pool = list(candidates)
        query = terms(text, self.synonyms, self.cue_words)
        if not query or not pool:
            return None
        top = self.ranker.rank(query, ((item.key, 1.0) for item in pool))[0]
        words = words_of(top.matched)
        if top.score <= 0 or (len(words) == 1 and self.ranker.frequency[next(iter(words))] >= COMMON_ITEM_WORD):
            return None
        return next(item for item in pool if item.key == top.key)

    def match(self, content: Content, stage_number: int, signal: GrowthSignal | None, text: str) -> Item | None:
        """The item of the member's stage (or the next one) that a win tagged ``signal`` is evidence for.

        The current stage's items come first among equals: a tie is not yet a sign of the next stage.
        """
        list_name = SIGNAL_LISTS.get(signal) if signal is not None else None
        if list_name is None:
            return None
        candidates = stage_items(content.stage(stage_number), list_name)
        following = content.next_stage(stage_number)
        if following is not None and list_name != "learning":
            candidates += stage_items(following, list_name)
        return self.best(text, candidates)


def matcher_for(content: Content, rules: SignalRules) -> ItemMatcher:
    cached = _MATCHERS.get((id(content), id(rules)))
    if cached is None:
        cached = (content, rules, ItemMatcher(content, rules))
        _MATCHERS[(id(content), id(rules))] = cached
    return cached[2]


def win_item(content: Content, stage: int | None, signal: GrowthSignal | None, what: str) -> Item | None:
    """The roadmap item a win counts for, given its signal and the member's stage (None without a stage)."""
    if stage is None:
        return None
    return matcher_for(content, load_signal_rules()).match(content, stage, signal, what)

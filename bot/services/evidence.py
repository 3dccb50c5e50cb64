"""Suggested evidence: which exit criteria or growth tactics a win most likely shows.

A lexical ranker, on the machine, no network: BM25 over each candidate's own words (the exit
criterion's text; a tactic's name, reason and actions) plus the signal phrases in
``content/evidence_signals.yaml``, as unigrams and bigrams after light suffix folding.

Why lexical and not an embedding model: no model ships inside a package on the index we may
install from without a hub download at run time, and on the dev set (``bench/evidence_suggest.py``)
this ranker reaches the issue's goals in well under a millisecond per win.

Candidates are the member's stage's exit criteria, the next stage's, and the growth tactics that
suit either; with no stage set, every stage's criteria and every tactic.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from content import Content
from content.signals import check_signals, load_signals

MAX_SUGGESTIONS = 3
K1 = 1.2
B = 0.5
LABEL_WEIGHT = 2.0
"""The criterion's own words count double: they are the most specific vocabulary it has."""
SIGNAL_WEIGHT = 1.0
TACTIC_DETAIL_WEIGHT = 0.5
"""A tactic's reason and actions are long prose; half weight keeps them from swamping short criteria."""
NEXT_STAGE_FACTOR = 0.85
"""Own-stage criteria first when the evidence fits both stages equally."""
TACTIC_FACTOR = 0.9
MIN_SCORE = 0.8
"""Below this a suggestion is a guess from one common word; better none than noise."""
RELATIVE_CUTOFF = 0.35
"""Second and third suggestions must score at least this share of the first."""

_TOKEN = re.compile(r"[a-z0-9$%]+(?:[':][a-z0-9]+)*")
_STOPWORD_TEXT = (
    "a about after again all also am an and any are as at be because been before being but by can "
    "could did do does doing done for from get got had has have having he her here him his how i "
    "if in into is it its itself just me more most my myself no nor not now of off on once only or "
    "other our ours out over own same she so some such than that the their them then there these "
    "they this those through to too under until up very was we were what when where which while who "
    "whom why will with would you your week today yesterday "
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Words kept although they look like stopwords: they carry meaning in these criteria.
_KEEP = frozenset({"myself", "own", "without", "all", "every", "me"})
STOPWORDS = STOPWORDS - _KEEP


def stem(word: str) -> str:
    """Light suffix folding ("reviewed", "reviews", "reviewing" → "review").

    Hand-made rather than a stemmer package: eight suffix rules cover how wins are written, and
    adding the snowball/Porter dependency did not change a single dev-set hit when tried.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            base = word[: -len(suffix)] + keep
            if suffix in {"ing", "ed"} and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "mapped" → "map", "shipping" → "ship"
            if suffix == "es" and not base.endswith(("ch", "sh", "x", "ss", "z")):
                base = word[:-1]  # "releases" → "release"
            return base
    return word


def terms(text: str) -> list[str]:
    """Stemmed unigrams and the bigrams of neighbouring content words."""
    words = [stem(w) for w in _TOKEN.findall(text.lower().replace("-", " ")) if w not in STOPWORDS]
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True)
class Suggestion:
    key: str
    label: str
    score: float


@dataclass(frozen=True)
class _Candidate:
    key: str
    label: str
    stage: int | None
    """The criterion's stage; None for a growth tactic."""
    best_from_stage: int
    weights: dict[str, float]
    length: float


class EvidenceIndex:
    """Built once per process from the content (a few milliseconds); ``suggest`` is read-only."""

    def __init__(self, content: Content, signals: dict[str, tuple[str, ...]]) -> None:
        check_signals(content, signals)
        self.candidates: list[_Candidate] = []
        for stage in content.stages:
            for criterion in stage.exit_criteria:
                fields = [(criterion.text, LABEL_WEIGHT)]
                fields += [(phrase, SIGNAL_WEIGHT) for phrase in signals[criterion.key]]
                self.candidates.append(self._candidate(criterion.key, criterion.text, stage.number, 1, fields))
        for tactic in content.growth.tactics:
            fields = [(tactic.name, LABEL_WEIGHT), (tactic.why, TACTIC_DETAIL_WEIGHT)]
            fields += [(action, TACTIC_DETAIL_WEIGHT) for action in tactic.actions]
            fields += [(phrase, SIGNAL_WEIGHT) for phrase in signals[tactic.key]]
            self.candidates.append(self._candidate(tactic.key, tactic.name, None, tactic.best_from_stage, fields))
        documents = len(self.candidates)
        frequency: Counter[str] = Counter(term for c in self.candidates for term in c.weights)
        self.idf = {term: math.log(1 + (documents - count + 0.5) / (count + 0.5)) for term, count in frequency.items()}
        self.average_length = sum(c.length for c in self.candidates) / documents

    @staticmethod
    def _candidate(
        key: str, label: str, stage: int | None, best_from: int, fields: Iterable[tuple[str, float]]
    ) -> _Candidate:
        weights: dict[str, float] = {}
        for text, weight in fields:
            for term in set(terms(text)):
                weights[term] = weights.get(term, 0.0) + weight
        return _Candidate(key, label, stage, best_from, weights, sum(weights.values()))

    def _pool(self, stage: int | None) -> list[tuple[_Candidate, float]]:
        if stage is None:
            return [(c, 1.0 if c.stage is not None else TACTIC_FACTOR) for c in self.candidates]
        pool: list[tuple[_Candidate, float]] = []
        for c in self.candidates:
            if c.stage == stage:
                pool.append((c, 1.0))
            elif c.stage == stage + 1:
                pool.append((c, NEXT_STAGE_FACTOR))
            elif c.stage is None and c.best_from_stage <= stage + 1:
                pool.append((c, TACTIC_FACTOR))
        return pool

    def score(self, text: str, stage: int | None) -> list[Suggestion]:
        """Every candidate for the stage with its score, best first (the benchmark reads this)."""
        query = Counter(terms(text))
        scored: list[Suggestion] = []
        for candidate, factor in self._pool(stage):
            norm = K1 * (1 - B + B * candidate.length / self.average_length)
            total = 0.0
            for term, count in query.items():
                weight = candidate.weights.get(term)
                if weight:
                    total += count * self.idf[term] * weight * (K1 + 1) / (weight + norm)
            scored.append(Suggestion(candidate.key, candidate.label, total * factor))
        scored.sort(key=lambda s: -s.score)
        return scored

    def suggest(self, text: str, stage: int | None, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Up to ``limit`` suggestions; none when nothing in the text points anywhere."""
        ranked = self.score(text, stage)
        if not ranked or ranked[0].score < MIN_SCORE:
            return []
        floor = max(MIN_SCORE, ranked[0].score * RELATIVE_CUTOFF)
        return [s for s in ranked[:limit] if s.score >= floor]


_indexes: dict[int, tuple[Content, EvidenceIndex]] = {}
_indexes_lock = threading.Lock()


def evidence_index(content: Content) -> EvidenceIndex:
    """One index per content object (the content is loaded once per process, so this builds once)."""
    with _indexes_lock:
        found = _indexes.get(id(content))
        if found is None or found[0] is not content:
            found = (content, EvidenceIndex(content, load_signals()))
            _indexes[id(content)] = found
        return found[1]


def suggest_evidence(content: Content, text: str, stage: int | None) -> list[str]:
    """The keys of up to three suggested exit criteria or tactics for a win's text."""
    return [s.key for s in evidence_index(content).suggest(text, stage)]

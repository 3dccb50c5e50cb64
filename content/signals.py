"""Signal phrases for evidence suggestions: ``evidence_signals.yaml``, validated against the content keys."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from content import read_yaml
from content.schema import Content


@lru_cache(maxsize=1)
def load_signals() -> dict[str, tuple[str, ...]]:
    """``{evidence key: phrases}``; every key must name an exit criterion or growth tactic."""
    raw = read_yaml(resources.files(__package__).joinpath("evidence_signals.yaml").read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("evidence_signals.yaml must map evidence keys to lists of phrases")
    signals: dict[str, tuple[str, ...]] = {}
    for key, phrases in raw.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str | int) for p in phrases):
            raise ValueError(f"evidence_signals.yaml: {key!r} needs a list of phrases")
        signals[str(key)] = tuple(str(p).strip() for p in phrases if str(p).strip())
    return signals


def check_signals(content: Content, signals: dict[str, tuple[str, ...]]) -> None:
    """Every signal key names evidence in the content, and every piece of evidence has signals."""
    known = {c.key for s in content.stages for c in s.exit_criteria} | {t.key for t in content.growth.tactics}
    unknown = sorted(set(signals) - known)
    missing = sorted(known - set(signals))
    if unknown or missing:
        raise ValueError(f"evidence_signals.yaml: unknown keys {unknown}, keys without signals {missing}")


@lru_cache(maxsize=1)
def load_gap_questions() -> dict[str, str]:
    """``{exit criterion key: the weekly prompt's question when it is the member's gap}``."""
    raw = read_yaml(resources.files(__package__).joinpath("gap_questions.yaml").read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise ValueError("gap_questions.yaml must map exit-criterion keys to questions")
    return {str(key): str(value).strip() for key, value in raw.items()}


def check_gap_questions(content: Content, questions: dict[str, str]) -> None:
    """Exactly one question for every exit criterion."""
    known = {c.key for s in content.stages for c in s.exit_criteria}
    if set(questions) != known:
        raise ValueError(
            f"gap_questions.yaml: unknown {sorted(set(questions) - known)}, missing {sorted(known - set(questions))}"
        )

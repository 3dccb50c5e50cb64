"""Suggested evidence: hit rates and suggestion time on a labelled set of wins.

Each line of the data file is ``{"stage": n, "text": "...", "accept": ["criterion or tactic wording", ...]}``
(the roadmap seed's wording, which may differ slightly from ``content/``; it is matched to a key by
word overlap). A win is a top-1 hit when the first suggestion is accepted, a top-3 hit when any of
the first three is. Prints the hit rates, the time per suggestion (p50, p99 over every win, repeated)
and the start-up time the suggester adds (loading the signal phrases and building the index).

Three labelled sets: the dev set (``../shared/data/evidence_dev.jsonl``), ``bench/data/evidence_heldout.jsonl``
and ``bench/data/evidence_fresh.jsonl`` (both written after the signal phrases, never tuned on). ``--audit``
lists the signal phrases that occur in the data's texts: each must be general vocabulary for its
criterion, never a phrase lifted from one win.

    python -m bench.evidence_suggest [--data ../shared/data/evidence_dev.jsonl] [--repeat 20] [--misses] [--audit]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.services.evidence import EvidenceIndex, stem, terms
from content import Content, load_content
from content.signals import load_signals

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "evidence_dev.jsonl"
GOAL_TOP3 = 0.85
GOAL_TOP1 = 0.60
GOAL_P99_MS = 50.0


@dataclass(frozen=True)
class Result:
    wins: int
    top1: float
    top3: float
    p50_ms: float
    p99_ms: float
    startup_ms: float
    misses: list[str]


def _words(text: str) -> set[str]:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.lower())
    return {stem(w) for w in cleaned.split() if len(w) > 1}


def key_for(content: Content, wording: str) -> str:
    """The evidence key whose text shares the most words with the seed's wording."""
    labels = [(c.key, c.text) for s in content.stages for c in s.exit_criteria]
    labels += [(t.key, t.name) for t in content.growth.tactics]
    wanted = _words(wording)
    # Most of the seed's words found first, then the closest overall (Jaccard) among equals.
    best = max(
        labels,
        key=lambda kv: (
            len(wanted & _words(kv[1])) / (len(wanted) or 1),
            len(wanted & _words(kv[1])) / (len(wanted | _words(kv[1])) or 1),
        ),
    )
    if not wanted & _words(best[1]):
        raise ValueError(f"no evidence in the content matches {wording!r}")
    return best[0]


def evaluate(data: Path, repeat: int = 20) -> Result:
    load_signals.cache_clear()
    started = time.perf_counter()
    content = load_content()
    content_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    index = EvidenceIndex(content, load_signals())
    startup_ms = (time.perf_counter() - started) * 1000
    del content_ms  # content is loaded at start-up anyway; only the suggester's own cost is added
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    top1 = top3 = 0
    timings: list[float] = []
    misses: list[str] = []
    for row in rows:
        accepted = {key_for(content, wording) for wording in row["accept"]}
        suggested = [s.key for s in index.suggest(row["text"], row["stage"])]
        for _ in range(repeat):
            tick = time.perf_counter()
            index.suggest(row["text"], row["stage"])
            timings.append((time.perf_counter() - tick) * 1000)
        top1 += bool(suggested[:1] and suggested[0] in accepted)
        hit3 = bool(accepted & set(suggested[:3]))
        top3 += hit3
        if not hit3:
            misses.append(f"stage {row['stage']}: {row['text'][:70]!r} → {suggested} (want {sorted(accepted)})")
    timings.sort()
    return Result(
        wins=len(rows),
        top1=top1 / len(rows),
        top3=top3 / len(rows),
        p50_ms=statistics.median(timings),
        p99_ms=timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        startup_ms=startup_ms,
        misses=misses,
    )


def phrases_in_texts(data: Path) -> list[tuple[str, str, int]]:
    """``(evidence key, signal phrase, wins whose text contains it)`` for every phrase found in the data.

    Found means the phrase's words appear in a row in the win after the suggester's own folding
    ("walked through" is found in "walks through"), the way the ranker would match them.
    """
    texts = [json.loads(line)["text"] for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    unigrams = [[t for t in terms(text) if "_" not in t] for text in texts]
    found: list[tuple[str, str, int]] = []
    for key, phrases in load_signals().items():
        for phrase in phrases:
            words = [t for t in terms(phrase) if "_" not in t]
            span = len(words)
            wins = sum(any(u[i : i + span] == words for i in range(len(u))) for u in unigrams) if words else 0
            if wins:
                found.append((key, phrase, wins))
    return found


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=20, help="timed suggestions per win")
    parser.add_argument("--misses", action="store_true", help="list the wins with no accepted suggestion in the top 3")
    parser.add_argument("--audit", action="store_true", help="list the signal phrases that occur in the data's texts")
    args = parser.parse_args(argv)
    result = evaluate(args.data, args.repeat)
    print(f"wins                  {result.wins}")
    print(f"top-1 hit rate        {result.top1:.2f}   (goal >= {GOAL_TOP1:.2f})")
    print(f"top-3 hit rate        {result.top3:.2f}   (goal >= {GOAL_TOP3:.2f})")
    print(f"suggestion p50        {result.p50_ms:.3f} ms per win")
    print(f"suggestion p99        {result.p99_ms:.3f} ms per win   (goal < {GOAL_P99_MS:.0f} ms)")
    print(f"start-up added        {result.startup_ms:.1f} ms (signal phrases loaded, index built once)")
    if args.misses:
        for miss in result.misses:
            print(f"  miss  {miss}")
    if args.audit:
        found = phrases_in_texts(args.data)
        for key, phrase, wins in found:
            print(f"  in data  {key:34} {phrase!r} ({wins} win{'s' if wins > 1 else ''})")
        print(f"signal phrases found  {len(found)} of {sum(len(p) for p in load_signals().values())}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)

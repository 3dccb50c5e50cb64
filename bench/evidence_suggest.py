"""Suggested evidence: how often it is right, how often it speaks, and what it costs, per data set.

Evidence sets: each line ``{"stage": n, "text": "...", "accept": ["criterion or tactic wording", ...]}``
(the roadmap seed's wording, which may differ slightly from ``content/``; it is matched to a key by word
overlap). Non-evidence sets: each line ``{"stage": n, "text": "..."}``, an everyday message that shows
nothing (lunch, logistics, "out tomorrow", tests, thanks). Printed per set:

- **top-1 precision**: of the wins that got a suggestion, the share whose first suggestion is right;
- **precision**: of every criterion named, the share that is right;
- **recall**: the share of wins with a right criterion among those named;
- **noise rate** (non-evidence sets): the share of messages that get any suggestion.

The ranker (``bot/services/evidence.py``) is calibrated on the dev sets only: ``evidence_dev.jsonl`` and
``noise_dev.jsonl`` in ``../shared/data/``, and ``bench/data/evidence_dev2.jsonl`` (78 wins at stages 1-5
covering every criterion and tactic), ``evidence_dev3.jsonl`` (65 wins in plain words, few of the roadmap's
own) and ``noise_dev2.jsonl`` (40 everyday messages), each written from the roadmap and committed before
anything was measured on it; ``evidence_dev4.jsonl`` (32 wins) and ``evidence_dev5.jsonl`` (44 wins),
which were the held-out and fresh sets (``evidence_heldout.jsonl``, ``evidence_fresh.jsonl``), reported at
stop 28 with recall 0.84 and 0.82 and then promoted to development sets; and ``evidence_dev6.jsonl``,
``evidence_dev7.jsonl`` (50 wins each, 10 a stage) and ``noise_dev3.jsonl`` (50 everyday messages), which were
the stop-29 held-out, fresh and fresh noise sets (``evidence_heldout2.jsonl``, ``evidence_fresh2.jsonl``,
``noise_fresh.jsonl``, written from the seeds alone by someone who never saw the ranker), reported twice at
stop 29 (last: top-1 precision / precision / recall 0.90 / 0.88 / 0.88 and 0.95 / 0.93 / 0.82, noise 0.10)
and then promoted: the items of every dev set may be read and tuned on.
Reported, never tuned on (only their summary lines are read, never their items): ``noise_everyday.jsonl`` and
the third generation of held-out sets, ``evidence_heldout3.jsonl``, ``evidence_fresh3.jsonl`` and
``noise_fresh2.jsonl``, written from the seeds alone by someone who never saw the ranker; a reported set that
is not on the machine yet is skipped.
No win in those sets wants a next-stage criterion; ``bench/data/evidence_stretch.jsonl`` (12 wins that do, each
at the stage below its criterion) is not in the default table but measures what own-stage preference costs
(``--data bench/data/evidence_stretch.jsonl``; see ``NEXT_STAGE_FACTOR``).
``--audit`` lists the signal phrases that
occur in a set's texts: each must be general vocabulary for its criterion, never a phrase lifted from one win.

    python -m bench.evidence_suggest [--data FILE ... | --dev] [--repeat 20] [--misses] [--audit]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.services.evidence import EvidenceIndex
from bot.services.wording import stem, terms
from content import Content, load_content
from content.signals import load_signals

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
DEFAULT_DATA = SHARED / "evidence_dev.jsonl"
NOISE_DEV = SHARED / "noise_dev.jsonl"
NOISE_EVERYDAY = ROOT / "bench" / "data" / "noise_everyday.jsonl"
DEV2 = ROOT / "bench" / "data" / "evidence_dev2.jsonl"
DEV3 = ROOT / "bench" / "data" / "evidence_dev3.jsonl"
DEV4 = ROOT / "bench" / "data" / "evidence_dev4.jsonl"
"""Reported as the held-out set (``evidence_heldout.jsonl``) at stop 28, recall 0.84; then promoted."""
DEV5 = ROOT / "bench" / "data" / "evidence_dev5.jsonl"
"""Reported as the fresh set (``evidence_fresh.jsonl``) at stop 28, recall 0.82; then promoted."""
NOISE_DEV2 = ROOT / "bench" / "data" / "noise_dev2.jsonl"
DEV6 = ROOT / "bench" / "data" / "evidence_dev6.jsonl"
"""Reported as the held-out set (``evidence_heldout2.jsonl``) at stop 29, 0.90 / 0.88 / 0.88; then promoted."""
DEV7 = ROOT / "bench" / "data" / "evidence_dev7.jsonl"
"""Reported as the fresh set (``evidence_fresh2.jsonl``) at stop 29, 0.95 / 0.93 / 0.82; then promoted."""
NOISE_DEV3 = ROOT / "bench" / "data" / "noise_dev3.jsonl"
"""Reported as the fresh noise set (``noise_fresh.jsonl``) at stop 29, noise 0.10; then promoted."""
HELD_OUT3 = ROOT / "bench" / "data" / "evidence_heldout3.jsonl"
FRESH3 = ROOT / "bench" / "data" / "evidence_fresh3.jsonl"
NOISE_FRESH2 = ROOT / "bench" / "data" / "noise_fresh2.jsonl"
"""Written from the seeds alone by someone who never saw the ranker, after stop 29 (``blind3_README.txt`` says how,
and which four stage-5 wins a set were dropped by rule before measuring); reported, never tuned on. First look,
after issue #21's third pass: heldout3 0.91 / 0.87 / 0.89, fresh3 0.93 / 0.93 / 0.87, noise_fresh2 0.08."""
REPORTED_SETS = (HELD_OUT3, FRESH3, NOISE_EVERYDAY, NOISE_FRESH2)
DEV_SETS = (DEFAULT_DATA, DEV2, DEV3, DEV4, DEV5, DEV6, DEV7, NOISE_DEV, NOISE_DEV2, NOISE_DEV3)
"""What the ranker may be calibrated on (``--dev``): the reported sets stay out of every tuning run."""
ALL_SETS = (
    DEFAULT_DATA,
    DEV2,
    DEV3,
    DEV4,
    DEV5,
    DEV6,
    DEV7,
    HELD_OUT3,
    FRESH3,
    NOISE_DEV,
    NOISE_DEV2,
    NOISE_DEV3,
    NOISE_EVERYDAY,
    NOISE_FRESH2,
)
GOAL_PRECISION = 0.85
GOAL_RECALL = 0.85
GOAL_NOISE = 0.10
GOAL_P99_MS = 50.0


@dataclass(frozen=True)
class Result:
    name: str
    messages: int
    evidence: bool
    """Labelled wins (precision and recall) rather than non-evidence messages (noise rate)."""
    top1_precision: float
    precision: float
    recall: float
    noise: float
    named_per_message: float
    p50_ms: float
    p99_ms: float
    misses: list[str] = field(default_factory=list)


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


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def evaluate(index: EvidenceIndex, content: Content, data: Path, repeat: int = 20) -> Result:
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    evidence = any("accept" in row for row in rows)
    spoke = first_right = named = right = recalled = 0
    timings: list[float] = []
    misses: list[str] = []
    for row in rows:
        suggested = [s.key for s in index.suggest(row["text"], row["stage"])]
        # Timed in this thread's CPU time: the suggestion runs on one thread and waits for nothing, and by the
        # wall clock a parallel suite's load (load average 6.5 on 2 cores) once stretched one call past 50 ms.
        for _ in range(repeat):
            tick = time.thread_time()
            index.suggest(row["text"], row["stage"])
            timings.append((time.thread_time() - tick) * 1000)
        spoke += bool(suggested)
        named += len(suggested)
        accepted = {key_for(content, wording) for wording in row.get("accept", ())}
        hits = accepted & set(suggested)
        first_right += bool(suggested and suggested[0] in accepted)
        right += len(hits)
        recalled += bool(hits)
        if (evidence and (not hits or len(hits) < len(suggested))) or (not evidence and suggested):
            want = f" (want {sorted(accepted)})" if evidence else ""
            misses.append(f"stage {row['stage']}: {row['text'][:70]!r} → {suggested}{want}")
    timings.sort()
    return Result(
        name=data.name,
        messages=len(rows),
        evidence=evidence,
        top1_precision=_ratio(first_right, spoke),
        precision=_ratio(right, named),
        recall=_ratio(recalled, len(rows)),
        noise=_ratio(spoke, len(rows)),
        named_per_message=_ratio(named, len(rows)),
        p50_ms=statistics.median(timings) if timings else 0.0,
        p99_ms=timings[min(len(timings) - 1, int(len(timings) * 0.99))] if timings else 0.0,
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


def table(results: list[Result]) -> list[str]:
    lines = [
        f"{'data set':28} {'n':>4} {'top-1 prec':>10} {'precision':>9} {'recall':>6} {'noise':>6} "
        f"{'named/msg':>9} {'cpu p99':>7}"
    ]
    for r in results:
        if r.evidence:
            figures = f"{r.top1_precision:10.2f} {r.precision:9.2f} {r.recall:6.2f} {'':>6}"
        else:
            figures = f"{'':>10} {'':>9} {'':>6} {r.noise:6.2f}"
        lines.append(f"{r.name:28} {r.messages:4} {figures} {r.named_per_message:9.2f} {r.p99_ms:7.3f}")
    lines.append(
        f"goals: precision >= {GOAL_PRECISION:.2f}, recall >= {GOAL_RECALL:.2f} on evidence sets; "
        f"noise <= {GOAL_NOISE:.2f} on non-evidence sets; p99 < {GOAL_P99_MS:.0f} ms of CPU"
    )
    return lines


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="*", help="data sets (default: every known set present)")
    parser.add_argument("--dev", action="store_true", help="only the development sets (for calibrating)")
    parser.add_argument("--repeat", type=int, default=20, help="timed suggestions per message")
    parser.add_argument("--misses", action="store_true", help="list wrong, missing and noise suggestions")
    parser.add_argument("--audit", action="store_true", help="list the signal phrases that occur in the data's texts")
    args = parser.parse_args(argv)
    sets = args.data or [path for path in (DEV_SETS if args.dev else ALL_SETS) if path.exists()]
    load_signals.cache_clear()
    content = load_content()
    started = time.perf_counter()
    index = EvidenceIndex(content, load_signals())
    startup_ms = (time.perf_counter() - started) * 1000
    results = [evaluate(index, content, path, args.repeat) for path in sets]
    for line in table(results):
        print(line)
    print(f"start-up added: {startup_ms:.1f} ms (signal phrases loaded, index built once)")
    if args.misses:
        for result in results:
            for miss in result.misses:
                print(f"  {result.name}: {miss}")
    if args.audit:
        for path in sets:
            found = phrases_in_texts(path)
            for key, phrase, wins in found:
                print(f"  in {path.name}  {key:34} {phrase!r} ({wins} message{'s' if wins > 1 else ''})")
            print(
                f"signal phrases found in {path.name}: {len(found)} of {sum(len(p) for p in load_signals().values())}"
            )
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)

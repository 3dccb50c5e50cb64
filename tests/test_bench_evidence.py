"""The suggested-evidence benchmark runs and the abstaining ranker keeps its promises on every data set.

Measured (top-1 precision / precision / recall; noise rate) after issue #21's third pass: dev 0.97 / 0.97 / 0.92,
dev2 0.96 / 0.96 / 0.96, dev3 0.97 / 0.97 / 0.94, dev4 0.97 / 0.97 / 0.97, dev5 0.91 / 0.89 / 0.89, dev6 0.94 /
0.92 / 0.90, dev7 0.96 / 0.94 / 0.88; noise_dev 0.00, noise_dev2 0.00, noise_dev3 0.04, noise_everyday 0.00.
dev4 and dev5 were the held-out and fresh sets (``evidence_heldout.jsonl``,
``evidence_fresh.jsonl``), reported at stop 28 with 0.93 / 0.93 / 0.84 and 0.86 / 0.86 / 0.82 and then promoted
to development sets; the ranker was tuned on them after that (a second suggestion needs a word of its own, "on
my own" is "independently", a few general phrases). The first pass of issue #21 measured them at 0.96 / 0.92 /
0.72 and 0.90 / 0.85 / 0.80 (before it: precision 0.66 / 0.49 / 0.48, noise 0.43 / 0.44).

dev6 and dev7 (and noise_dev3) were the stop-29 held-out, fresh and fresh noise sets (``evidence_heldout2.jsonl``,
``evidence_fresh2.jsonl``, ``noise_fresh.jsonl``; written from the seeds alone by someone who never saw the ranker),
reported twice: first look, after the phrase tuning above: 0.90 / 0.88 / 0.88, 0.95 / 0.95 / 0.80, noise 0.10;
second and last look, after two method changes made on the dev sets alone (a matched bigram scores half; a
one-word runner-up no longer vetoes): 0.90 / 0.88 / 0.88, 0.95 / 0.93 / 0.82, noise 0.10. Then promoted to
development sets. Issue #21's third pass then worked on all seven dev sets with method changes only, each
measured on every set (see ``services/evidence.py`` and ``services/wording.py``): chat shorthand spelt out, the
ways of saying "decided" read as one word and a choice's "over" as "instead of", "-sion" nouns folded into their
verbs, possessives and contractions, links dropped, no next-stage second beside an own-stage first, and no
suggestion for a message that only asks or schedules. From dev3 0.97 / 0.95 / 0.92, dev4 0.97 / 0.94 / 0.97,
dev6 0.90 / 0.88 / 0.88, dev7 0.95 / 0.93 / 0.82, noise_dev2 0.05, noise_dev3 0.10 (the others unchanged).
Every dev set is now held to the issue's goals.

Reported, never tuned on: ``noise_everyday.jsonl`` and the third held-out generation (``evidence_heldout3.jsonl``,
``evidence_fresh3.jsonl``, ``noise_fresh2.jsonl``), written blind from the seeds (``bench/data/blind3_README.txt``)
and handed over after the third pass was committed. First and only look: heldout3 0.91 / 0.87 / 0.89, fresh3
0.93 / 0.93 / 0.87, noise_fresh2 0.08: every goal met.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.evidence_suggest import (
    DEFAULT_DATA,
    DEV2,
    DEV3,
    DEV4,
    DEV5,
    DEV6,
    DEV7,
    DEV_SETS,
    FRESH3,
    GOAL_NOISE,
    GOAL_PRECISION,
    GOAL_RECALL,
    HELD_OUT3,
    NOISE_DEV,
    NOISE_DEV2,
    NOISE_DEV3,
    NOISE_EVERYDAY,
    NOISE_FRESH2,
    REPORTED_SETS,
    main,
    phrases_in_texts,
)


@pytest.mark.parametrize(
    ("data", "recall_goal"),
    [
        (DEFAULT_DATA, GOAL_RECALL),
        (DEV2, GOAL_RECALL),
        (DEV3, GOAL_RECALL),
        (DEV4, GOAL_RECALL),
        (DEV5, GOAL_RECALL),
        (DEV6, GOAL_RECALL),
        (DEV7, GOAL_RECALL),
        (HELD_OUT3, GOAL_RECALL),
        (FRESH3, GOAL_RECALL),
    ],
    ids=["dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "heldout3", "fresh3"],
)
def test_evidence_sets_are_named_precisely(data: Path, recall_goal: float, capsys: pytest.CaptureFixture[str]) -> None:
    if not data.exists():
        pytest.skip(f"{data} is not on this machine")
    [result] = main(["--data", str(data), "--repeat", "1"])
    printed = capsys.readouterr().out
    assert "top-1 prec" in printed and "precision" in printed and "recall" in printed and "start-up added" in printed
    assert result.evidence and result.messages >= 30
    assert result.precision >= GOAL_PRECISION
    assert result.recall >= recall_goal
    assert result.named_per_message <= 1.2  # one suggestion by default, a second only when nearly as strong
    assert result.p99_ms < 50


@pytest.mark.parametrize(
    "data",
    [NOISE_DEV, NOISE_DEV2, NOISE_DEV3, NOISE_EVERYDAY, NOISE_FRESH2],
    ids=["noise-dev", "noise-dev2", "noise-dev3", "noise-everyday", "noise-fresh2"],
)
def test_everyday_messages_get_no_suggestion(data: Path) -> None:
    if not data.exists():
        pytest.skip(f"{data} is not on this machine")
    [result] = main(["--data", str(data), "--repeat", "1", "--misses"])
    assert not result.evidence and result.messages >= 30
    assert result.noise <= GOAL_NOISE


def test_all_known_sets_are_measured_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    results = main(["--repeat", "1"])
    names = {r.name for r in results}
    assert "noise_everyday.jsonl" in names
    assert {path.name for path in REPORTED_SETS if path.exists()} <= names  # a set not handed over yet is skipped
    assert {f"evidence_dev{n}.jsonl" for n in range(2, 8)} <= names and "noise_dev3.jsonl" in names
    header = capsys.readouterr().out.splitlines()[0]
    assert "noise" in header and "recall" in header


def test_audit_lists_the_signal_phrases_found_in_the_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "wins.jsonl"
    data.write_text('{"stage": 1, "text": "Bisected the flaky build", "accept": ["Debug issues systematically"]}\n')
    found = phrases_in_texts(data)
    assert ("s1-debug-systematically", "bisect", 1) in found
    assert all(wins == 1 for _, _, wins in found)
    main(["--data", str(data), "--repeat", "1", "--audit"])
    assert "'bisect'" in capsys.readouterr().out


def test_dev_runs_only_the_development_sets() -> None:
    names = {r.name for r in main(["--dev", "--repeat", "1"])}
    assert {"evidence_dev2.jsonl", "evidence_dev6.jsonl", "evidence_dev7.jsonl", "noise_dev3.jsonl"} <= names
    assert names == {path.name for path in DEV_SETS if path.exists()}
    assert not {path.name for path in REPORTED_SETS} & names  # reported, never calibrated on

"""The suggested-evidence benchmark runs, and the suggester meets its goals on all three labelled sets.

Measured when the signal phrases were rewritten as general vocabulary (no phrase lifted from a win):
dev 0.92 top-1 / 1.00 top-3, held-out 0.91 / 0.97, fresh 0.89 / 0.95, p99 under 0.1 ms. The goals
(top-3 >= 0.85, top-1 >= 0.60, p99 < 50 ms) are asserted, not those figures, so honest vocabulary
changes can move them without a test edit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.evidence_suggest import DEFAULT_DATA, GOAL_TOP1, GOAL_TOP3, main, phrases_in_texts

HELD_OUT = Path(__file__).resolve().parents[1] / "bench" / "data" / "evidence_heldout.jsonl"
FRESH = Path(__file__).resolve().parents[1] / "bench" / "data" / "evidence_fresh.jsonl"


@pytest.mark.parametrize("data", [DEFAULT_DATA, HELD_OUT, FRESH], ids=["dev", "held-out", "fresh"])
def test_benchmark_prints_hit_rates_and_timings(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not data.exists():
        pytest.skip(f"{data} is not on this machine")
    result = main(["--data", str(data), "--repeat", "2"])
    printed = capsys.readouterr().out
    assert "top-1 hit rate" in printed and "top-3 hit rate" in printed and "start-up added" in printed
    assert result.wins >= 30
    assert result.top3 >= GOAL_TOP3
    assert result.top1 >= GOAL_TOP1
    assert result.p99_ms < 50


def test_audit_lists_the_signal_phrases_found_in_the_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "wins.jsonl"
    data.write_text('{"stage": 1, "text": "Bisected the flaky build", "accept": ["Debug issues systematically"]}\n')
    found = phrases_in_texts(data)
    assert ("s1-debug-systematically", "bisect", 1) in found
    assert all(wins == 1 for _, _, wins in found)
    main(["--data", str(data), "--repeat", "1", "--audit"])
    assert "'bisect'" in capsys.readouterr().out

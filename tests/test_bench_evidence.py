"""The suggested-evidence benchmark runs, and the suggester meets its goals on both labelled sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.evidence_suggest import DEFAULT_DATA, GOAL_TOP1, GOAL_TOP3, main

HELD_OUT = Path(__file__).resolve().parents[1] / "bench" / "data" / "evidence_heldout.jsonl"


@pytest.mark.parametrize("data", [DEFAULT_DATA, HELD_OUT], ids=["dev", "held-out"])
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

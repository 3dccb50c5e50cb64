"""The digest and HTTP load benchmarks still run (small sizes; their timing goals are for bench runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import digest_build, load_http
from bot.db.migrate import upgrade_to_head
from bot.services.digest import page_count


def test_digest_benchmark_builds_a_valid_digest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    upgrade_to_head(url)
    figures = digest_build.run(url, reports=25, wins=800, repeats=2)
    # Pages are cut by size (each within Slack's limits, checked in run()), never more than planned.
    assert 1 <= figures["messages"] <= page_count(25)
    assert figures["build_ms"] > 0 and figures["baseline_ms"] > 0


@pytest.mark.slow(seconds=18)
def test_load_benchmark_drives_both_apps() -> None:
    # One burst of 3 concurrent requests a kind and app, settled after it (two bursts took 8 s more), and 3
    # warm-up requests a kind and app (the benchmark's 10 steady its figures, which are not asserted here).
    result = load_http.run_load(requests=3, concurrency=3, rate=6, seconds=2, warm_up=3)
    assert set(result.concurrent) == set(result.sustained) == set(load_http.KINDS)
    for ours, bare in [*result.concurrent.values(), *result.sustained.values()]:
        assert len(ours.acks.samples) == len(bare.acks.samples) > 0
        assert ours.answers is not None and ours.unanswered == 0  # every request's answer seen by the simulator
        assert bare.answers is not None  # the bare app makes the same Slack calls
    assert result.expired_triggers == 0 and result.non_200 == 0
    assert result.rss_mb and min(result.rss_mb) > 0 and result.depth and min(result.depth) >= 0

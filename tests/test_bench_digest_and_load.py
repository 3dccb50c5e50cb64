"""The digest and HTTP load benchmarks still run (small sizes; their timing goals are for bench runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import digest_build, load_http
from bot.blocks.digest import page_count
from bot.db.migrate import upgrade_to_head


def test_digest_benchmark_builds_a_valid_digest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    upgrade_to_head(url)
    figures = digest_build.run(url, reports=25, wins=800, repeats=2)
    # Pages are cut by size (each within Slack's limits, checked in run()), never more than planned.
    assert 1 <= figures["messages"] <= page_count(25)
    assert figures["build_ms"] > 0 and figures["baseline_ms"] > 0


@pytest.mark.slow
def test_load_benchmark_drives_both_apps() -> None:
    ours, bare, ours_rss, bare_rss = load_http.compare_with_bare_app(requests=40, concurrency=5)
    assert len(ours.samples) == len(bare.samples) == 40
    assert ours_rss > 0 and bare_rss > 0

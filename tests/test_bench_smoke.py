"""The fan-out benchmark, small and fast: every prompt exactly once (the rate goal is for real runs)."""

from __future__ import annotations

import pytest

from bench.weekly_prompt_fanout import main


@pytest.mark.slow
def test_fanout_benchmark_sends_every_prompt_exactly_once(
    scratch_database: str, backend_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--users", "300", "--rate", "2000", "--baseline-calls", "50", "--workers", "4"]
    if backend_url:
        args += ["--database-url", scratch_database]
    result = main(args)
    assert result.users == 300
    assert result.duplicates == 0
    assert result.losses == 0
    assert result.database == ("postgresql" if backend_url else "sqlite")
    assert result.plan_seconds > 0 and result.achieved_rate > 0
    printed = capsys.readouterr().out
    assert "duplicates            0" in printed and "losses                0" in printed

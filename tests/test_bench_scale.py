"""The scale benchmark, small and fast: replicas deliver every prompt exactly once, and planning alone runs
(the figures the issue asks for are for real runs, reported in the closing note)."""

from __future__ import annotations

import pytest

from bench.scale import PlanResult, Result, main


@pytest.mark.slow
def test_scale_benchmark_sends_every_prompt_exactly_once(
    backend_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--replicas", "2", "--workspaces", "3", "--members", "20", "--rate", "50", "--throttled", "1"]
    if backend_url:
        args += ["--server-url", backend_url]
    result = main(args)
    assert isinstance(result, Result)
    assert result.replicas == (2 if backend_url else 1)
    assert result.duplicates == 0 and result.lost == 0
    assert result.sent == 40  # the throttled workspace's 20 are left for later ticks, not lost or doubled
    assert result.rate_limited_429s >= 1  # the throttled workspace's
    assert result.latency_max < 30
    printed = capsys.readouterr().out
    assert "duplicates            0" in printed and "lost                  0" in printed


@pytest.mark.slow
def test_scale_benchmark_times_planning_alone(backend_url: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--plan-only", "--members", "2000"]
    if backend_url:
        args += ["--server-url", backend_url]
    result = main(args)
    assert isinstance(result, PlanResult)
    assert result.planned == 2000 and result.first_plan_seconds > 0
    assert "re-plan, nothing new" in capsys.readouterr().out

"""The found-on-GitHub benchmark, small: one query per token, every member's message once, nothing twice."""

from __future__ import annotations

import pytest

from bench.github_find import main


@pytest.mark.slow
def test_github_find_benchmark_one_call_per_token_and_nothing_twice(
    scratch_database: str, backend_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--members", "120", "--workers", "4"]
    if backend_url:
        args += ["--database-url", scratch_database]
    result = main(args)
    assert result.planned == result.sent == result.graphql_calls == 120
    assert result.calls_per_token_min == result.calls_per_token_max == 1
    assert result.items_stored == 3 * 120 and result.items_offered_twice == 0
    assert result.second_run_calls == 0 and result.rate_limited_answers == 0 and result.app_credential_calls == 0
    assert result.peak_concurrent_requests <= 4
    assert "peak calls/hour per token 1 of 5000" in capsys.readouterr().out

"""The status-refresh benchmark, small: Tier 2 respected with two replicas, every away member seen."""

from __future__ import annotations

import pytest

from bench.status_refresh import main


@pytest.mark.slow
def test_status_refresh_stays_within_tier_2_and_sees_every_away_member(
    scratch_database: str, backend_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2,500 members = 13 pages: a pass spans two minutes (10 + 3 pages); 45 minutes hold two passes.
    args = ["--members", "2500", "--hours", "0.75", "--replicas", "2", "--away-every", "25"]
    if backend_url:
        args += ["--database-url", scratch_database]
    result = main(args)
    assert result.pages_per_pass == 13
    assert result.max_calls_per_minute == 10 <= result.tier_limit_per_minute // 2
    assert result.pass_minutes == 2
    assert result.passes == 2 and result.calls_per_hour == pytest.approx(26 / 0.75)
    assert result.away_recorded == result.away_expected == 100
    assert result.database == ("postgresql" if backend_url else "sqlite")
    assert "calls per minute      10 at most" in capsys.readouterr().out

"""Time in tests is explicit: the test clock needs an instant, nothing stored reads the wall clock behind the
app's clock, and CI's shifted run (tests/clockshift/) really moves every test process's wall clock."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy.sql.schema import CallableColumnDefault, ColumnDefault

from bot.db.models import Base
from tests.support.clock import TEST_NOW, Clock
from tests.support.processes import CLOCK_SHIFT_DAYS, CLOCK_SHIFT_PATH, clean_env

PROBE = (
    "import json, time, datetime; "
    "print(json.dumps({'wall': time.time(), 'now': datetime.datetime.now(datetime.UTC).timestamp(), "
    "'mono': time.monotonic()}))"
)


def test_the_test_clock_needs_an_instant_and_moves_only_when_told() -> None:
    with pytest.raises(TypeError):
        Clock()  # type: ignore[call-arg]
    with pytest.raises(AssertionError):
        Clock(datetime(2026, 11, 18, 15, 0))  # naive: which zone?
    clock = Clock(TEST_NOW)
    assert clock() == clock() == TEST_NOW
    assert clock.advance(minutes=30) == TEST_NOW + timedelta(minutes=30) == clock()


def test_no_column_defaults_to_a_time_computed_in_python() -> None:
    """``default=utcnow`` stamped rows with the wall clock whatever the app's clock said (two tests in
    test_growth_e2e.py passed only between 2026-11-29 14:05 and 2026-11-30 14:05 UTC because of it)."""
    computed = {
        f"{table.name}.{column.name}": default
        for table in Base.metadata.tables.values()
        for column in table.columns
        for default in (column.default, column.onupdate)
        if isinstance(default, ColumnDefault) and not default.is_scalar and not default.is_sequence
    }
    # An empty JSON object is no time. slack_sdk declares installed_at with the database's now(); our store
    # stamps every record it saves with the app's clock (test_oauth.py), so that default never runs.
    assert isinstance(computed.pop("nudge_deliveries.payload"), CallableColumnDefault)
    assert sorted(computed) == ["slack_bots.installed_at", "slack_installations.installed_at"]


def probe(env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize("days", [400, -30])
def test_the_shifted_run_moves_wall_clocks_and_keeps_monotonic_ones(days: int) -> None:
    # Two processes a moment apart, one shifted and one not: the difference is the shift (this test reads
    # the real clock on purpose, in a child process that is never shifted).
    plain_env = {k: v for k, v in clean_env().items() if k not in {CLOCK_SHIFT_DAYS, "PYTHONPATH"}}
    shifted = probe({**plain_env, CLOCK_SHIFT_DAYS: str(days), "PYTHONPATH": str(CLOCK_SHIFT_PATH)})
    plain = probe(plain_env)
    moved = shifted["wall"] - plain["wall"]
    assert abs(moved - days * 86400) < 60, moved
    assert abs(shifted["now"] - shifted["wall"]) < 1  # datetime.now moves with time.time
    assert abs(shifted["mono"] - plain["mono"]) < 60  # monotonic time is the machine's, unshifted

"""A clock tests set and move (the bot's ``Deps.clock``): always an explicit instant, never the wall clock.

A test that let the bot read the wall clock while it set its own dates passed only on the days the two
agreed (two tests in ``test_growth_e2e.py`` passed for 24 hours in November 2026). So ``Clock`` has no
default: every test states the instant it runs at, and CI runs the suite a second time with the process
wall clock shifted (``tests/clockshift/``) to prove that nothing stored reads it behind this clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

TEST_NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
"""The instant the ``clock`` fixture starts at: a Wednesday afternoon in every zone the tests use."""


class Clock:
    """A clock that reads what the test set; it moves only when told."""

    def __init__(self, now: datetime) -> None:
        assert now.tzinfo is not None, "a test clock needs an aware instant"
        self._now = now

    def __call__(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None, "a test clock needs an aware instant"
        self._now = now

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now

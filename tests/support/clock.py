"""A clock tests can set and move (the bot's ``Deps.clock``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """A clock tests can set and move; real time unless told otherwise."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    def __call__(self) -> datetime:
        return self._now if self._now is not None else datetime.now(UTC)

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self._now = now

    def advance(self, **delta: float) -> datetime:
        self._now = self() + timedelta(**delta)
        return self._now

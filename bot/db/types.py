"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, timezone-aware UTC datetimes out, on every backend.

    SQLite has no timezone type, so values are normalised to UTC before they are
    stored and marked UTC when read; naive values are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


MAX_ROW_ID = 2**31 - 1
"""Largest primary key the ``integer`` columns hold (PostgreSQL int4); bigger ids cannot name a row."""


def parse_row_id(value: object) -> int | None:
    """A primary key from a button value or ``private_metadata``; None for anything that cannot be one.

    Clients control these strings: ``"99999999999999999999"`` overflows the database's integer and
    ``"²"`` passes ``str.isdigit`` but not ``int()``, so both used to raise instead of answering.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ROW_ID else None


def enum_column(enum_type: type[enum.Enum], length: int) -> Enum:
    """A column holding one of ``enum_type``'s values: VARCHAR(length) in the database, the member in Python.

    Stored as the member's *value* (``values_callable``), a plain VARCHAR with no CHECK constraint
    (``native_enum=False``), so rows written before the columns were typed read back unchanged and
    Alembic sees the same VARCHAR(n) as before: no migration. ``validate_strings`` refuses a string
    that names no member before it reaches the database.
    """
    return Enum(
        enum_type,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )

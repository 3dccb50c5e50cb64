"""A member's brag entries read from the database in batches, for an export of any size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import BragEntry, BragEvidence
from bot.services.entry_reads import EntrySummary, count_entries, summarize
from content import Content

EXPORT_BATCH = 500
"""Entries read per query while an export is written: 500 full-size wins (6 kB of text each) are ~10 MB
of objects at a time, whatever the brag document's length."""


class StoredEntries:
    """:class:`Entries` read from the database in batches (keyset pages, newest first), never all at once.

    An export of 10,000 full-size wins built everything in memory (rows, summaries, both documents as
    strings) and peaked at 740 MiB; written from these batches to files it stays bounded (issue 24).
    """

    def __init__(self, session: Session, content: Content, member_id: int) -> None:
        self._session = session
        self._content = content
        self._member_id = member_id

    def count(self) -> int:
        return count_entries(self._session, self._member_id)

    def keys(self) -> set[str]:
        return set(
            self._session.scalars(
                select(BragEvidence.evidence_key)
                .join(BragEntry, BragEntry.id == BragEvidence.entry_id)
                .where(BragEntry.member_id == self._member_id)
                .distinct()
            )
        )

    def batches(self, *where: ColumnElement[bool], newest_first: bool = True) -> Iterator[list[BragEntry]]:
        """The member's entries matching ``where``, a batch at a time."""
        created, ident = BragEntry.created_at, BragEntry.id
        order = (created.desc(), ident.desc()) if newest_first else (created, ident)
        after: tuple[datetime, int] | None = None
        while True:
            query = select(BragEntry).options(selectinload(BragEntry.evidence))
            query = query.where(BragEntry.member_id == self._member_id, *where)
            if after is not None:
                at, last = after
                if newest_first:
                    query = query.where(or_(created < at, and_(created == at, ident < last)))
                else:
                    query = query.where(or_(created > at, and_(created == at, ident > last)))
            # Each batch in a session of its own on the same connection (the same read transaction), closed
            # when the caller is done with it: without that the identity map kept every batch alive. Closing
            # drops the batch at once; expunging entry by entry (cascading to evidence) was ~15% of an export.
            with Session(bind=self._session.connection(), join_transaction_mode="rollback_only") as reader:
                batch = list(reader.scalars(query.order_by(*order).limit(EXPORT_BATCH)))
                if not batch:
                    return
                yield batch
                after = (batch[-1].created_at, batch[-1].id)

    def _summaries(self, *where: ColumnElement[bool]) -> Iterator[EntrySummary]:
        for batch in self.batches(*where):
            yield from (summarize(self._content, entry) for entry in batch)

    def newest_first(self) -> Iterable[EntrySummary]:
        return self._summaries()

    def with_key(self, key: str) -> Iterable[EntrySummary]:
        tagged = select(BragEvidence.entry_id).where(BragEvidence.evidence_key == key)
        return self._summaries(BragEntry.id.in_(tagged))

    def unlinked(self) -> Iterable[EntrySummary]:
        return self._summaries(~BragEntry.evidence.any())

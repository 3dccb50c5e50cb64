"""bot/db/hot.py: the request path's statements on the DBAPI cursor give what SQLAlchemy's execution gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from bot.db import hot
from bot.db.engine import Database
from bot.db.models import InboxRequest, Member
from bot.services import inbox, members, stages
from bot.services.members import _HOT_SEEN, _SEEN

NOW = datetime(2026, 3, 4, 9, 30, 15, 123456, tzinfo=UTC)


def test_the_actor_read_matches_sqlalchemys_row(db: Database) -> None:
    enrolled = members.enroll_actor(db, "T0HOT", "U0HOT", NOW)
    with db.engine.connect() as connection:
        expected = tuple(connection.execute(_SEEN, {"team_id": "T0HOT", "user_id": "U0HOT"}).one())
    row = hot.first(db, _HOT_SEEN, team_id="T0HOT", user_id="U0HOT")
    assert row == expected
    assert row is not None and row[0] == enrolled.member_id
    assert row[1] == NOW and row[1].tzinfo is not None  # UTCDateTime's result processing, microseconds kept
    assert hot.first(db, _HOT_SEEN, team_id="T0HOT", user_id="U0NOBODY") is None


def test_a_returning_member_is_read_and_their_stage_too(db: Database) -> None:
    first = members.enroll_actor(db, "T0HOT", "U0HOT", NOW)
    again = members.enroll_actor(db, "T0HOT", "U0HOT", NOW + timedelta(seconds=5))
    assert again.member_id == first.member_id
    assert stages.stage_of(db, first.member_id) is None
    stages.choose_stage(db, first.member_id, 3, NOW)
    assert stages.stage_of(db, first.member_id) == 3
    with pytest.raises(LookupError):
        stages.stage_of(db, first.member_id + 1000)


def test_an_inbox_row_is_written_as_the_orm_reads_it_and_deleted(db: Database) -> None:
    body = {"command": "/stage", "text": "été 3"}
    recorded = inbox.record(
        db,
        kind="command",
        body=body,
        team_id="T0HOT",
        user_id="U0HOT",
        event_id=None,
        now=NOW,
        lease=timedelta(seconds=90),
    )
    assert recorded.inbox_id is not None
    with db.transaction() as session:
        row = session.get(InboxRequest, recorded.inbox_id)
        assert row is not None
        assert (row.received_at, row.lease_until) == (NOW, NOW + timedelta(seconds=90))
        assert (row.kind, row.team_id, row.user_id, row.attempts) == ("command", "T0HOT", "U0HOT", 1)
        assert json.loads(row.body) == body
    inbox.finish(db, recorded.inbox_id)
    assert inbox.unfinished(db) == 0


def test_a_driver_error_is_sqlalchemys_without_the_values(db: Database) -> None:
    members.enroll_actor(db, "T0HOT", "U0HOT", NOW)
    with db.engine.connect() as connection:
        member_id = connection.execute(select(Member.id)).scalar_one()
    duplicate = hot.HotStatement(
        insert(Member).from_select(
            [column.name for column in Member.__table__.c],
            select(*Member.__table__.c).where(Member.__table__.c.id == bindparam("member_id")),
        )
    )
    with pytest.raises(DBAPIError) as raised:  # the same primary key again
        hot.write(db, duplicate, member_id=member_id)
    assert "U0HOT" not in str(raised.value)
    assert "INSERT INTO members" in str(raised.value)
    assert members.enroll_actor(db, "T0HOT", "U0HOT", NOW).member_id == member_id  # the pool still serves


def test_kept_connections_leave_no_transaction_open(db: Database) -> None:
    # A connection kept between hot statements (SQLite) must hold no read of the WAL, or delete-my-data's
    # checkpoint (Database.scrub) could not empty it.
    enrolled = members.enroll_actor(db, "T0HOT", "U0HOT", NOW)
    for _ in range(3):
        assert stages.stage_of(db, enrolled.member_id) is None
        recorded = inbox.record(
            db, kind="command", body={}, team_id="T0HOT", user_id="U0HOT", event_id=None, now=NOW, lease=timedelta(1)
        )
        assert recorded.inbox_id is not None
        inbox.finish(db, recorded.inbox_id)
    assert db.scrub() is True
    db.dispose()  # the kept connections too
    assert isinstance(db.engine.pool, QueuePool)
    assert db.engine.pool.checkedout() == 0

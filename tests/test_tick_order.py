"""A tick reads this minute's statuses before it sends: an away status seen now holds this minute's prompt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.db.engine import Database
from bot.db.models import DeliveryStatus, NudgeKind
from content import Content
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import dms, enroll, ledger_rows, make_deps, tick, utc
from tests.support.slack_directory import set_status, users_list_with_statuses

FRIDAY_1600_NY = utc(2026, 11, 20, 21, 0)


@pytest.fixture
def deps(db: Database, database_url: str, fake_slack: FakeSlack, content: Content) -> Any:
    users_list_with_statuses(fake_slack)
    return make_deps(db, database_url, fake_slack, content)


def test_a_status_first_read_in_the_prompts_own_tick_holds_the_prompt(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    enroll(db, "U1", "America/New_York")
    fake_slack.users["U1"] = {"tz": "America/New_York"}
    set_status(fake_slack, "U1", ":palm_tree:", "Vacationing")
    # The first tick that ever runs is the prompt's own minute: the users.list pass must come first.
    tick(deps, FRIDAY_1600_NY)
    tick(deps, FRIDAY_1600_NY + timedelta(minutes=1))
    assert dms(fake_slack, "U1") == []
    [row] = ledger_rows(db, NudgeKind.WEEKLY_PROMPT.value)
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED.value, "time off: away")

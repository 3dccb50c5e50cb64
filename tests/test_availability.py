"""The rules behind time off and quiet hours, as plain functions (the e2e tests drive them through ticks)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.engine import Database
from bot.db.models import DeliveryStatus
from bot.services.availability import _MEMBER_TIME_AND_PAST, PastPrompt, in_quiet_window, nag_decision, next_allowed
from bot.services.localtime import zone
from bot.webapi.profiles import away_rules, is_away_status

NY = zone("America/New_York")
MON_TO_FRI = 0b0011111
SENT = DeliveryStatus.SENT.value


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("emoji", "text", "away"),
    [
        (":palm_tree:", "", True),
        (":face_with_thermometer:", "Out sick", True),
        ("", "OOO until Monday", True),
        ("", "Out of office", True),
        ("", "on vacation!", True),
        (":airplane:", "", True),
        ("", "Zoo trip planning", False),  # "oo" inside a word is not OOO
        (":spiral_calendar_pad:", "In a meeting", False),
        ("", "", False),
    ],
)
def test_away_statuses(emoji: str, text: str, away: bool) -> None:
    assert is_away_status(emoji, text, away_rules("")) is away


def test_quiet_window_may_span_midnight() -> None:
    assert in_quiet_window(23 * 60, 22 * 60, 7 * 60) and in_quiet_window(6 * 60, 22 * 60, 7 * 60)
    assert not in_quiet_window(7 * 60, 22 * 60, 7 * 60) and not in_quiet_window(12 * 60, 22 * 60, 7 * 60)
    assert not in_quiet_window(12 * 60, None, None) and not in_quiet_window(12 * 60, 600, 600)


def test_next_allowed_keeps_an_allowed_time_and_moves_across_spring_forward() -> None:
    friday_noon = utc(2027, 3, 12, 17, 0)  # 12:00 EST
    assert next_allowed(friday_noon, NY, MON_TO_FRI, None, None) == friday_noon
    # Saturday 13 Mar 02:30 EST (07:30 UTC) moves to Monday 02:30, EDT since Sunday: 06:30 UTC.
    assert next_allowed(utc(2027, 3, 13, 7, 30), NY, MON_TO_FRI, None, None) == utc(2027, 3, 15, 6, 30)
    # A quiet window ending at 02:30 on the night clocks jump (every day a workday): 03:30 EDT = 07:30 UTC.
    assert next_allowed(utc(2027, 3, 14, 5, 0), NY, 0b1111111, 0, 150) == utc(2027, 3, 14, 7, 30)


def test_nag_decision_counts_the_latest_unanswered_sent_prompts() -> None:
    seen = utc(2026, 11, 1)

    def prompt(day: int, answered: bool = False, status: str = SENT) -> PastPrompt:
        return PastPrompt(status=status, sent_at=utc(2026, 11, day, 16), answered=answered, reason=None)

    assert nag_decision([], seen) == "prompt"
    assert nag_decision([prompt(13)], seen) == "prompt"
    assert nag_decision([prompt(13), prompt(6)], seen) == "check_in"
    assert nag_decision([prompt(20), prompt(13), prompt(6)], seen) == "silent"
    assert nag_decision([prompt(13), prompt(6, answered=True)], seen) == "prompt"
    assert nag_decision([prompt(13), prompt(6)], utc(2026, 11, 10)) == "prompt"
    skipped = PastPrompt(status=DeliveryStatus.SKIPPED.value, sent_at=None, answered=False, reason="time off: away")
    assert nag_decision([skipped, prompt(13), prompt(6)], seen) == "check_in"


def test_a_members_earlier_prompts_are_one_range_of_the_member_index(db: Database) -> None:
    """Each weekly prompt's render reads the member's earlier prompts. Through the (kind, due_at) index that
    read visited every earlier row of the kind (up to 8,000 in a 10,000-member fan-out, whose sends fell
    from 194 to 130 a second); SQLite, which keeps no statistics, must be steered by the index alone."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan: PostgreSQL chooses by statistics")
    compiled = _MEMBER_TIME_AND_PAST.compile(db.engine)
    params = compiled.construct_params(
        {"b_member": 1, "b_kind": "weekly_prompt", "b_due": utc(2026, 11, 20), "b_row": 1}
    )
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(str(params[name]) for name in compiled.positiontup or [])
        ).all()
    searches = [str(row[-1]) for row in plan if "nudge_deliveries" in str(row[-1])]
    assert searches and all("ix_nudge_deliveries_member_kind_due (member_id=? AND kind=?" in s for s in searches), plan

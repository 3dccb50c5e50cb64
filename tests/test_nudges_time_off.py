"""Nudges that respect people's time, through run_tick (``tick --at`` semantics) on a real database.

Time off from Slack statuses (read by the paged users.list pass), welcome back, pause and resume,
working days, quiet hours and the nag ceiling, each across a DST change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import DeliveryStatus, Member, NudgeDelivery, NudgeKind, StuckSession, StuckStatus
from bot.deps import Deps
from bot.tick.directory import refresh_profiles
from bot.webapi.tokens import StaticToken
from content import Content
from tests.support.bots import BOT_TOKEN, make_settings
from tests.support.clock import Clock
from tests.support.driver import block_texts
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import action_ids, dms, enroll, ledger_rows, make_deps, tick, utc, workspace_id
from tests.support.slack_directory import clear_status, set_status, users_list_with_statuses

WEEKLY = NudgeKind.WEEKLY_PROMPT.value
REVIEW = NudgeKind.REVIEW_REMINDER.value
STUCK = NudgeKind.STUCK.value
SENT = DeliveryStatus.SENT.value
SKIPPED = DeliveryStatus.SKIPPED.value
MON_TO_FRI = 0b0011111
EVERY_DAY = 0b1111111


@pytest.fixture
def deps(db: Database, database_url: str, fake_slack: FakeSlack, content: Content) -> Any:
    users_list_with_statuses(fake_slack)
    return make_deps(db, database_url, fake_slack, content)


def texts(fake: FakeSlack, user_id: str) -> list[str]:
    return [str(params.get("text")) for params in dms(fake, user_id)]


def weekly(db: Database) -> dict[str, tuple[str, str | None]]:
    return {row.period_key: (row.status, row.last_error) for row in ledger_rows(db, WEEKLY)}


def open_stuck(db: Database, member_id: int, started: datetime, minutes: int = 30) -> int:
    with db.transaction() as session:
        stuck = StuckSession(
            member_id=member_id,
            what="flaky deploy",
            status=StuckStatus.OPEN,
            started_at=started,
            nudge_due_at=started + timedelta(minutes=minutes),
        )
        session.add(stuck)
        session.flush()
        return int(stuck.id)


def set_member(db: Database, member_id: int, **values: Any) -> None:
    with db.transaction() as session:
        session.execute(update(Member).where(Member.id == member_id).values(**values))


def member(db: Database, member_id: int) -> Member:
    with db.transaction() as session:
        found = session.get(Member, member_id)
        assert found is not None
        session.expunge(found)
        return found


# -- time off from Slack statuses ------------------------------------------------------------------


def test_vacation_status_skips_fridays_then_one_welcome_back_across_fall_back(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    """America/New_York: clocks go back on Sunday 1 Nov 2026 (EDT 16:00 = 20:00 UTC, EST = 21:00 UTC)."""
    member_id = enroll(db, "U1", "America/New_York")
    fake_slack.users["U1"] = {"tz": "America/New_York"}
    set_status(fake_slack, "U1", ":palm_tree:", "Vacationing")
    tick(deps, utc(2026, 10, 22, 12, 0))  # Thursday: the users.list pass reads the status
    assert member(db, member_id).away_since == utc(2026, 10, 22, 12, 0)
    for friday in (utc(2026, 10, 23, 20, 0), utc(2026, 10, 30, 20, 0)):
        tick(deps, friday)
        tick(deps, friday + timedelta(hours=1))
    assert dms(fake_slack, "U1") == []
    assert weekly(db)["2026-W43"] == (SKIPPED, "time off: away")
    assert weekly(db)["2026-W44"] == (SKIPPED, "time off: away")

    clear_status(fake_slack, "U1")
    tick(deps, utc(2026, 11, 3, 14, 0))  # Tuesday: back; the next pass (30 minutes on) sees it
    assert member(db, member_id).away_since is None
    tick(deps, utc(2026, 11, 6, 20, 59))
    assert dms(fake_slack, "U1") == []
    tick(deps, utc(2026, 11, 6, 21, 0))  # the first regular slot after the status cleared: 16:00 EST
    [welcome] = texts(fake_slack, "U1")
    assert welcome.startswith("Welcome back!")
    assert ids.PROMPT_RECORD_WIN in action_ids(dms(fake_slack, "U1")[0])
    tick(deps, utc(2026, 11, 13, 21, 0))
    assert len(dms(fake_slack, "U1")) == 2
    assert not texts(fake_slack, "U1")[1].startswith("Welcome back")


def test_status_with_expiry_ends_by_itself_and_plain_ooo_text_counts(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    enroll(db, "U1", "Europe/London")
    enroll(db, "U2", "Europe/London")
    enroll(db, "U3", "Europe/London")
    fake_slack.users.update({user: {"tz": "Europe/London"} for user in ("U1", "U2", "U3")})
    # U1: out sick until Monday 23 Nov; U2: "OOO" in the text, no emoji; U3: a status that is not time off.
    set_status(fake_slack, "U1", ":face_with_thermometer:", "Out sick", expires=utc(2026, 11, 23, 9, 0))
    set_status(fake_slack, "U2", ":speech_balloon:", "OOO till Dec")
    set_status(fake_slack, "U3", ":spiral_calendar_pad:", "In a meeting")
    tick(deps, utc(2026, 11, 19, 12, 0))
    tick(deps, utc(2026, 11, 20, 16, 0))  # Friday 16:00 GMT
    assert {params["channel"] for params in dms(fake_slack)} == {"U3"}
    tick(deps, utc(2026, 11, 27, 16, 0))  # U1's status expired on Monday without another pass clearing it
    assert sorted(params["channel"] for params in dms(fake_slack)) == ["U1", "U3", "U3"]
    assert texts(fake_slack, "U1")[0].startswith("Welcome back!")


def test_configured_away_statuses_add_to_the_built_in_ones(
    db: Database, database_url: str, fake_slack: FakeSlack, content: Content
) -> None:
    users_list_with_statuses(fake_slack)
    settings = make_settings(database_url, fake_slack.api_url, stagecoach_away_statuses=":baby_bottle:, sabbatical")
    deps = Deps(settings=settings, db=db, content=content, clock=Clock(utc(2026, 11, 19, 12, 0)))
    enroll(db, "U1", "UTC")
    enroll(db, "U2", "UTC")
    set_status(fake_slack, "U1", ":baby_bottle:", "")
    set_status(fake_slack, "U2", "", "On sabbatical, back in March")
    tick(deps, utc(2026, 11, 19, 12, 0))
    tick(deps, utc(2026, 11, 20, 16, 0))
    assert dms(fake_slack) == []


def test_review_reminder_and_stuck_follow_up_wait_for_the_member_to_be_back(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    member_id = enroll(db, "U1", "America/New_York", review_date=date(2026, 11, 18))  # d2: Mon 16 Nov 09:00
    open_stuck(db, member_id, utc(2026, 11, 13, 15, 0))  # follow-up due Friday 13 Nov 15:30 UTC
    set_status(fake_slack, "U1", ":airplane:", "Travelling")
    tick(deps, utc(2026, 11, 12, 12, 0))
    for at in (utc(2026, 11, 13, 15, 30), utc(2026, 11, 16, 14, 0), utc(2026, 11, 16, 20, 0)):
        tick(deps, at)
    assert dms(fake_slack, "U1") == []
    [held_review] = [row for row in ledger_rows(db, REVIEW) if row.period_key.endswith("-2d")]
    assert held_review.status == DeliveryStatus.DUE.value and held_review.last_error == "held: away"
    clear_status(fake_slack, "U1")
    tick(deps, utc(2026, 11, 17, 13, 0))  # the pass sees the status cleared and releases what it held
    tick(deps, utc(2026, 11, 17, 13, 1))
    assert sorted(row.kind for row in ledger_rows(db) if row.status == SENT) == [REVIEW, STUCK]
    assert len(dms(fake_slack, "U1")) == 2


# -- pause and resume ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PauseCase:
    paused_until: date
    review_date: date  # its 14-day reminder falls inside the pause
    review_due: datetime  # that reminder's own time
    stuck_started: datetime
    fridays: tuple[datetime, ...]  # 16:00 New York on each Friday inside the pause
    paused_weeks: tuple[str, ...]
    review_back: datetime  # the first day back at the reminder's own 09:00
    stuck_back: datetime  # ... and the follow-up's own local time
    welcome_friday: datetime


PAUSE_CASES = [
    # Over New Year (EST throughout).
    PauseCase(
        paused_until=date(2027, 1, 5),
        review_date=date(2027, 1, 15),
        review_due=utc(2027, 1, 1, 14, 0),  # Friday 1 Jan 09:00 EST
        stuck_started=utc(2026, 12, 22, 15, 0),  # follow-up due 10:30 EST on Tuesday 22 Dec
        fridays=(utc(2026, 12, 25, 21, 0), utc(2027, 1, 1, 21, 0)),
        paused_weeks=("2026-W52", "2026-W53"),
        review_back=utc(2027, 1, 5, 14, 0),
        stuck_back=utc(2027, 1, 5, 15, 30),
        welcome_friday=utc(2027, 1, 8, 21, 0),
    ),
    # Over the spring-forward change on Sunday 14 Mar 2027: held in EST, sent in EDT at the same wall times.
    PauseCase(
        paused_until=date(2027, 3, 16),
        review_date=date(2027, 3, 26),
        review_due=utc(2027, 3, 12, 14, 0),  # Friday 12 Mar 09:00 EST
        stuck_started=utc(2027, 3, 10, 15, 0),  # follow-up due 10:30 EST on Wednesday 10 Mar
        fridays=(utc(2027, 3, 12, 21, 0),),
        paused_weeks=("2027-W10",),
        review_back=utc(2027, 3, 16, 13, 0),  # 09:00 EDT
        stuck_back=utc(2027, 3, 16, 14, 30),  # 10:30 EDT
        welcome_friday=utc(2027, 3, 19, 20, 0),  # 16:00 EDT
    ),
]


@pytest.mark.parametrize("case", PAUSE_CASES, ids=["new-year", "spring-forward"])
def test_pause_holds_every_nudge_kind_until_the_date(
    db: Database, deps: Any, fake_slack: FakeSlack, case: PauseCase
) -> None:
    member_id = enroll(db, "U1", "America/New_York", review_date=case.review_date, paused_until=case.paused_until)
    open_stuck(db, member_id, case.stuck_started)
    # Every six hours until the review reminder's time on the first day back (minus a minute), and at
    # the follow-up's, the 14-day review reminder's and each Friday prompt's own times.
    start = case.stuck_started - timedelta(days=1)
    times = [start + timedelta(hours=6 * step) for step in range(int((case.review_back - start) / timedelta(hours=6)))]
    times += [case.stuck_started + timedelta(minutes=30), case.review_due, *case.fridays]
    for at in sorted(times):
        tick(deps, at)
    tick(deps, case.review_back - timedelta(minutes=1))
    assert dms(fake_slack, "U1") == []
    [held] = [row for row in ledger_rows(db, REVIEW) if row.period_key.endswith("-14d")]
    assert (held.status, held.last_error, held.due_at) == ("due", "held: paused", case.review_due)
    for week in case.paused_weeks:
        assert weekly(db)[week] == (SKIPPED, "time off: paused")
    tick(deps, case.review_back)
    assert [row.kind for row in ledger_rows(db) if row.status == SENT] == [REVIEW]
    tick(deps, case.stuck_back - timedelta(minutes=1))
    tick(deps, case.stuck_back)
    assert sorted(row.kind for row in ledger_rows(db) if row.status == SENT) == [REVIEW, STUCK]
    tick(deps, case.welcome_friday - timedelta(minutes=1))
    assert len(dms(fake_slack, "U1")) == 2
    tick(deps, case.welcome_friday)
    assert texts(fake_slack, "U1")[-1].startswith("Welcome back!")
    assert len(dms(fake_slack, "U1")) == 3


def test_pause_and_resume_over_signed_http_and_on_home(bot: Any) -> None:
    users_list_with_statuses(bot.fake)
    bot.fake.users["U0001"] = {"tz": "America/New_York"}
    bot.clock.set(utc(2026, 12, 20, 15, 0))
    bot.slack.command("/coach", "pause until 2027-01-05")
    reply = bot.slack.responses()[0]
    assert "Paused until Tuesday 2027-01-05" in block_texts(reply)
    with bot.db.transaction() as session:
        found = session.scalar(select(Member).where(Member.slack_user_id == "U0001"))
        assert found is not None and found.paused_until == date(2027, 1, 5)
        member_id = found.id
    open_stuck(bot.db, member_id, utc(2026, 12, 21, 15, 0))
    tick(bot.deps, utc(2026, 12, 21, 15, 30))
    assert dms(bot.fake, "U0001") == []

    bot.clock.set(utc(2026, 12, 21, 16, 0))
    bot.slack.command("/coach", "resume", response_name="resume")
    assert "nudges are on again" in block_texts(bot.slack.responses("resume")[0])
    tick(bot.deps, utc(2026, 12, 21, 16, 1))
    [nudge] = dms(bot.fake, "U0001")
    assert ids.STUCK_UNBLOCKED in action_ids(nudge)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pause", "until when"),
        ("pause until next tuesday", "couldn't read that date"),
        ("pause until 2026-12-01", "after today"),
        ("pause until 2028-06-01", "more than a year"),
    ],
)
def test_bad_pause_dates_get_a_friendly_answer_and_change_nothing(bot: Any, text: str, problem: str) -> None:
    bot.clock.set(utc(2026, 12, 20, 15, 0))
    bot.slack.command("/coach", text)
    assert problem in block_texts(bot.slack.responses()[0])
    with bot.db.transaction() as session:
        assert session.scalar(select(Member.paused_until).where(Member.slack_user_id == "U0001")) is None


def _home_blocks(bot: Any) -> str:
    view = bot.fake.calls_to("views.publish")[-1].params["view"]
    return block_texts(view if isinstance(view, dict) else json.loads(view))


def _pick_pause_date(bot: Any, day: str) -> None:
    payload = bot.slack._interaction_base("block_actions", "U0001", None, f"pick{day}")
    payload["actions"] = [
        {"action_id": ids.HOME_PAUSE_UNTIL, "block_id": "b", "type": "datepicker", "selected_date": day}
    ]
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home", "hash": "h"}
    assert bot.slack.post_payload(payload).status == 200


def test_home_date_picker_pauses_and_home_shows_it_with_resume(bot: Any) -> None:
    bot.clock.set(utc(2026, 12, 20, 15, 0))
    bot.slack.event({"type": "app_home_opened", "user": "U0001", "tab": "home"})
    bot.fake.wait_for("views.publish", 1)
    assert "Pause nudges until…" in _home_blocks(bot)
    _pick_pause_date(bot, "2026-12-19")  # the past: a DM says why, nothing is paused
    bot.fake.wait_for("views.publish", 2)
    [problem] = dms(bot.fake, "U0001")
    assert "Pick a date after today (2026-12-20)" in str(problem["text"])
    assert "Pause nudges until…" in _home_blocks(bot)
    _pick_pause_date(bot, "2027-01-05")
    bot.fake.wait_for("views.publish", 3)
    assert "Nudges paused until Tuesday 2027-01-05" in _home_blocks(bot)
    bot.slack.click(ids.HOME_RESUME, view={"id": "VHOME", "type": "home"})
    bot.fake.wait_for("views.publish", 4)
    assert "Pause nudges until…" in _home_blocks(bot)
    with bot.db.transaction() as session:
        assert session.scalar(select(Member.paused_until).where(Member.slack_user_id == "U0001")) is None


# -- working days and quiet hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "review_date", "saturday_due", "monday_due"),
    [
        # New York: the 14-day reminder falls on Saturday 13 Mar 2027 (09:00 EST = 14:00 UTC); clocks go
        # forward on Sunday 14 Mar, so Monday 15 Mar 09:00 is EDT = 13:00 UTC.
        ("America/New_York", date(2027, 3, 27), utc(2027, 3, 13, 14, 0), utc(2027, 3, 15, 13, 0)),
        # London: Saturday 27 Mar 2027 09:00 GMT; BST from Sunday 28 Mar: Monday 29 Mar 09:00 = 08:00 UTC.
        ("Europe/London", date(2027, 4, 10), utc(2027, 3, 27, 9, 0), utc(2027, 3, 29, 8, 0)),
    ],
)
def test_review_reminder_on_a_non_workday_lands_on_the_next_workday(
    db: Database,
    deps: Any,
    fake_slack: FakeSlack,
    tz: str,
    review_date: date,
    saturday_due: datetime,
    monday_due: datetime,
) -> None:
    enroll(db, "U1", tz, review_date=review_date, weekly_prompt_enabled=False)
    tick(deps, saturday_due)
    tick(deps, saturday_due + timedelta(days=1))
    tick(deps, monday_due - timedelta(minutes=1))
    assert dms(fake_slack, "U1") == []
    tick(deps, monday_due)
    [reminder] = dms(fake_slack, "U1")
    [row] = [row for row in ledger_rows(db, REVIEW) if row.status == SENT]
    assert row.period_key == f"review-{review_date.isoformat()}-14d"
    assert row.sent_at is not None and monday_due <= row.sent_at < monday_due + timedelta(seconds=30)
    assert reminder["channel"] == "U1"


def test_workdays_are_the_members_own(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    # Sunday to Thursday: a Friday review reminder waits for Sunday.
    enroll(db, "U1", "Asia/Dubai", review_date=date(2027, 3, 26), workdays=0b1001111, weekly_prompt_enabled=False)
    tick(deps, utc(2027, 3, 12, 5, 0))  # Friday 12 March, 09:00 Dubai
    assert dms(fake_slack, "U1") == []
    tick(deps, utc(2027, 3, 14, 5, 0))  # Sunday 09:00
    assert len(dms(fake_slack, "U1")) == 1


def test_stuck_follow_up_in_quiet_hours_moves_to_their_end(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    member_id = enroll(
        db, "U1", "America/New_York", workdays=EVERY_DAY, quiet_start_minute=23 * 60, quiet_end_minute=7 * 60
    )
    # Saturday 31 Oct 2026, 22:45 EDT: due 23:15 EDT (03:15 UTC Sunday), inside 23:00-07:00. Clocks go back
    # at 02:00 that night, so 07:00 on Sunday 1 Nov is EST = 12:00 UTC (not 11:00).
    open_stuck(db, member_id, utc(2026, 11, 1, 2, 45))
    tick(deps, utc(2026, 11, 1, 3, 15))
    tick(deps, utc(2026, 11, 1, 11, 0))
    tick(deps, utc(2026, 11, 1, 11, 59))
    assert dms(fake_slack, "U1") == []
    tick(deps, utc(2026, 11, 1, 12, 0))
    [nudge] = dms(fake_slack, "U1")
    assert ids.STUCK_UNBLOCKED in action_ids(nudge)


def test_quiet_window_end_on_a_non_workday_moves_on_to_the_next_workday(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    member_id = enroll(
        db,
        "U1",
        "America/New_York",
        workdays=MON_TO_FRI,
        quiet_start_minute=18 * 60,
        quiet_end_minute=9 * 60,
        weekly_prompt_enabled=False,
    )
    open_stuck(db, member_id, utc(2026, 10, 30, 21, 45))  # Friday 17:45 EDT: due 18:15, quiet
    for at in (utc(2026, 10, 30, 22, 15), utc(2026, 10, 31, 13, 0), utc(2026, 11, 2, 13, 59)):
        tick(deps, at)
    assert dms(fake_slack, "U1") == []
    tick(deps, utc(2026, 11, 2, 14, 0))  # Monday 09:00 EST
    assert len(dms(fake_slack, "U1")) == 1


# -- the nag ceiling ---------------------------------------------------------------------------------


def test_two_unanswered_prompts_then_one_check_in_then_silence_across_fall_back(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    member_id = enroll(db, "U1", "America/New_York")
    tick(deps, utc(2026, 10, 23, 20, 0))  # EDT
    tick(deps, utc(2026, 10, 30, 20, 0))  # EDT
    tick(deps, utc(2026, 11, 6, 20, 0))  # an hour early: EST from Sunday
    assert len(dms(fake_slack, "U1")) == 2
    tick(deps, utc(2026, 11, 6, 21, 0))
    prompts = dms(fake_slack, "U1")
    assert len(prompts) == 3
    assert set(action_ids(prompts[2])) == {ids.PROMPT_CHECKIN_KEEP, ids.PROMPT_CHECKIN_STOP}
    assert "Still want these" in str(prompts[2]["text"])
    for friday in (utc(2026, 11, 13, 21, 0), utc(2026, 11, 20, 21, 0)):
        tick(deps, friday)
    assert len(dms(fake_slack, "U1")) == 3
    assert weekly(db)["2026-W47"][0] == SKIPPED and str(weekly(db)["2026-W47"][1]).startswith("nag ceiling")
    # Using the bot again (any command, button or win moves last_seen_at) lifts the silence.
    set_member(db, member_id, last_seen_at=utc(2026, 11, 24, 10, 0))
    tick(deps, utc(2026, 11, 27, 21, 0))
    assert len(dms(fake_slack, "U1")) == 4
    assert ids.PROMPT_RECORD_WIN in action_ids(dms(fake_slack, "U1")[3])


def test_an_answered_prompt_resets_the_count(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "U1", "Europe/London")
    tick(deps, utc(2026, 11, 6, 16, 0))
    tick(deps, utc(2026, 11, 13, 16, 0))
    [first, second] = [row for row in ledger_rows(db, WEEKLY) if row.status == SENT]
    with db.transaction() as session:
        session.execute(update(NudgeDelivery).where(NudgeDelivery.id == second.id).values(response="nothing"))
    tick(deps, utc(2026, 11, 20, 16, 0))
    third = dms(fake_slack, "U1")[2]
    assert ids.PROMPT_RECORD_WIN in action_ids(third)
    assert first.period_key == "2026-W45"


def test_check_in_buttons_keep_or_stop_the_prompts(bot: Any) -> None:
    users_list_with_statuses(bot.fake)
    with bot.db.transaction() as session:
        session.add(
            Member(
                workspace_id=workspace_id(bot.db),
                slack_user_id="U0001",
                timezone="UTC",
                enrolled_at=utc(2026, 1, 1),
                last_seen_at=utc(2026, 1, 1),
                prompts_chosen_at=utc(2026, 1, 1),
            )
        )
    for friday in (utc(2026, 11, 6, 16, 0), utc(2026, 11, 13, 16, 0), utc(2026, 11, 20, 16, 0)):
        tick(bot.deps, friday)
    check_in = dms(bot.fake, "U0001")[2]
    row_id = check_in["metadata"]["event_payload"]["delivery_id"]
    bot.clock.set(utc(2026, 11, 20, 16, 5))
    bot.slack.click(ids.PROMPT_CHECKIN_STOP, str(row_id), response_name="stop")
    assert "no more weekly prompts" in block_texts(bot.slack.responses("stop")[0])
    with bot.db.transaction() as session:
        assert session.scalar(select(Member.weekly_prompt_enabled).where(Member.slack_user_id == "U0001")) is False
    tick(bot.deps, utc(2026, 11, 27, 16, 0))
    assert len(dms(bot.fake, "U0001")) == 3


# -- settings: working days and quiet hours ---------------------------------------------------------


def _settings_values(workdays: list[str], quiet: tuple[str | None, str | None]) -> dict[str, Any]:
    value = ids.SETTINGS_INPUT
    return {
        ids.SETTINGS_STAGE_BLOCK: {value: {"type": "static_select", "selected_option": {"value": "2"}}},
        ids.SETTINGS_VISIBILITY_BLOCK: {value: {"type": "radio_buttons", "selected_option": {"value": "private"}}},
        ids.SETTINGS_PROMPT_DAY_BLOCK: {value: {"type": "static_select", "selected_option": {"value": "4"}}},
        ids.SETTINGS_PROMPT_TIME_BLOCK: {value: {"type": "timepicker", "selected_time": "16:00"}},
        ids.SETTINGS_TIMEZONE_BLOCK: {value: {"type": "static_select", "selected_option": {"value": "Europe/London"}}},
        ids.SETTINGS_WORKDAYS_BLOCK: {
            value: {"type": "checkboxes", "selected_options": [{"value": day} for day in workdays]}
        },
        ids.SETTINGS_QUIET_START_BLOCK: {value: {"type": "timepicker", "selected_time": quiet[0]}},
        ids.SETTINGS_QUIET_END_BLOCK: {value: {"type": "timepicker", "selected_time": quiet[1]}},
        ids.SETTINGS_OPT_OUTS_BLOCK: {value: {"type": "checkboxes", "selected_options": []}},
    }


def test_settings_modal_saves_working_days_and_quiet_hours(bot: Any) -> None:
    bot.slack.command("/coach", "settings")
    view = bot.fake.wait_for("views.open", 1)[0].params["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    blocks = {block.get("block_id") for block in view["blocks"]}
    assert {ids.SETTINGS_WORKDAYS_BLOCK, ids.SETTINGS_QUIET_START_BLOCK, ids.SETTINGS_QUIET_END_BLOCK} <= blocks
    reply = bot.slack.submit_view(
        {"callback_id": ids.SETTINGS_MODAL}, _settings_values(["0", "1", "2", "3"], ("19:30", "08:00"))
    )
    assert reply.status == 200 and not reply.body
    with bot.db.transaction() as session:
        saved = session.scalar(select(Member).where(Member.slack_user_id == "U0001"))
        assert saved is not None
        assert (saved.workdays, saved.quiet_start_minute, saved.quiet_end_minute) == (0b1111, 19 * 60 + 30, 8 * 60)


@pytest.mark.parametrize(
    ("workdays", "quiet", "block"),
    [
        ([], (None, None), ids.SETTINGS_WORKDAYS_BLOCK),
        (["0"], ("19:00", None), ids.SETTINGS_QUIET_END_BLOCK),
        (["0"], ("19:00", "19:00"), ids.SETTINGS_QUIET_END_BLOCK),
    ],
)
def test_settings_modal_refuses_unworkable_days_or_windows(
    bot: Any, workdays: list[str], quiet: tuple[str | None, str | None], block: str
) -> None:
    reply = bot.slack.submit_view({"callback_id": ids.SETTINGS_MODAL}, _settings_values(workdays, quiet))
    answer = reply.json()
    assert answer["response_action"] == "errors" and block in answer["errors"]


# -- the paged users.list pass -----------------------------------------------------------------------


def test_profile_pass_pages_resume_after_an_error_and_keep_timezones_and_deletions(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    for index in range(450):  # three pages of 200
        fake_slack.users[f"U{index:04d}"] = {"tz": "Europe/London"}
    enroll(db, "U0001", "UTC")
    picked = enroll(db, "U0002", "UTC", timezone_from_slack=False)
    last = enroll(db, "U0449", "UTC")
    fake_slack.users["U0449"].update(deleted=True)
    set_status(fake_slack, "U0449", ":palm_tree:", "")
    serve = fake_slack.handlers["users.list"]
    failed: list[str] = []

    def second_page_fails_once(params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if params.get("cursor") == "400" and not failed:
            failed.append("once")
            return {"ok": False, "error": "internal_error"}
        return serve(params, token)

    fake_slack.handlers["users.list"] = second_page_fails_once
    tokens = StaticToken(BOT_TOKEN)
    assert refresh_profiles(deps, tokens, utc(2026, 11, 20, 9, 0)) == 2  # pages 1 and 2; page 3 failed
    assert refresh_profiles(deps, tokens, utc(2026, 11, 20, 9, 0, 30)) == 0  # this minute is taken
    assert member(db, last).away_since is None
    assert refresh_profiles(deps, tokens, utc(2026, 11, 20, 9, 1)) == 1  # resumes at the failed page
    cursors = [call.params.get("cursor") for call in fake_slack.calls_to("users.list")]
    assert cursors == [None, "200", "400", "400"]
    assert member(db, picked).timezone == "UTC"  # picked in settings: never overwritten
    updated = member(db, last)
    assert updated.timezone == "Europe/London" and updated.delivery_blocked_reason == "user_deleted"
    assert updated.away_since == utc(2026, 11, 20, 9, 1)
    # The pass is done: nothing until STAGECOACH_STATUS_REFRESH_MINUTES (30) after it finished.
    assert refresh_profiles(deps, tokens, utc(2026, 11, 20, 9, 30)) == 0
    assert refresh_profiles(deps, tokens, utc(2026, 11, 20, 9, 31)) == 3

"""The weekly wins prompt through run_tick: local time, DST, exactly once, grace window, opt-outs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.blocks.limits import message_problems
from bot.db.engine import Database
from bot.db.models import BragEntry, BragEvidence, DeliveryReason, DeliveryStatus, Member, NudgeKind
from bot.nudges.timing import latest_weekly_occurrence
from bot.services.localtime import local_to_utc, zone
from content import Content
from content.signals import load_gap_questions
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import action_ids, dms, enroll, ledger_rows, tick, utc

WEEKLY = NudgeKind.WEEKLY_PROMPT.value


def test_new_york_friday_1600_exactly_once(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "U1", "America/New_York")
    # Friday 20 Nov 2026, EST (UTC-5): 16:00 local = 21:00 UTC.
    tick(deps, utc(2026, 11, 20, 20, 59))
    assert dms(fake_slack) == []
    report = tick(deps, utc(2026, 11, 20, 21, 0))
    assert report.sent == 1
    for minutes in (0, 1, 5, 30, 24 * 60):
        tick(deps, utc(2026, 11, 20, 21, 0) + timedelta(minutes=minutes))
    [prompt] = dms(fake_slack, "U1")
    assert set(action_ids(prompt)) == {
        ids.PROMPT_RECORD_WIN,
        ids.PROMPT_NOTHING_THIS_WEEK,
        ids.PROMPT_SNOOZE_LATER_TODAY,
        ids.PROMPT_SNOOZE_NEXT_WEEK,
    }
    # Last week's occurrence was planned too (recorded as missed: far beyond the grace window).
    [missed, row] = ledger_rows(db, WEEKLY)
    assert (missed.period_key, missed.status) == ("2026-W46", DeliveryStatus.SKIPPED.value)
    assert (row.period_key, row.status) == ("2026-W47", DeliveryStatus.SENT.value)
    assert row.channel_id == "D1" and row.message_ts
    assert prompt["metadata"] == {"event_type": "stagecoach_nudge", "event_payload": {"delivery_id": row.id}}
    # The next Friday is a new week: one more.
    tick(deps, utc(2026, 11, 27, 21, 0))
    assert len(dms(fake_slack, "U1")) == 2


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # November 2026: clocks go back on Sunday 1 Nov. Friday 30 Oct is EDT (20:00 UTC), 6 Nov EST (21:00 UTC).
        ((2026, 10, 30, 20, 0), (2026, 11, 6, 21, 0)),
        # March 2027: clocks go forward on Sunday 14 Mar. Friday 12 Mar is EST (21:00 UTC), 19 Mar EDT (20:00 UTC).
        ((2027, 3, 12, 21, 0), (2027, 3, 19, 20, 0)),
    ],
)
def test_dst_change_moves_the_utc_instant_not_the_local_time(
    db: Database, deps: Any, fake_slack: FakeSlack, before: tuple[int, ...], after: tuple[int, ...]
) -> None:
    enroll(db, "U1", "America/New_York")
    for when in (before, after):
        instant = utc(*when)
        tick(deps, instant - timedelta(minutes=1))
        count = len(dms(fake_slack, "U1"))
        tick(deps, instant)
        tick(deps, instant + timedelta(minutes=1))
        tick(deps, instant + timedelta(hours=1))
        assert len(dms(fake_slack, "U1")) == count + 1
    sent = [r.due_at for r in ledger_rows(db, WEEKLY) if r.status == DeliveryStatus.SENT.value]
    assert sent == [utc(*before), utc(*after)]


def test_the_wrong_hour_across_dst_sends_nothing(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "U1", "America/New_York")
    # After the November change, 20:00 UTC on a Friday is 15:00 local: not yet.
    tick(deps, utc(2026, 11, 6, 20, 0))
    assert dms(fake_slack) == []


def test_occurrence_helpers_handle_gaps_and_overlaps() -> None:
    new_york = zone("America/New_York")
    # 02:30 on 14 Mar 2027 does not exist in New York: it lands just after the jump (03:30 EDT).
    assert local_to_utc(utc(2027, 3, 14).date(), 150, new_york) == utc(2027, 3, 14, 7, 30)
    # 01:30 on 1 Nov 2026 happens twice: the first one (EDT) is used.
    assert local_to_utc(utc(2026, 11, 1).date(), 90, new_york) == utc(2026, 11, 1, 5, 30)
    # The local ISO week names the period, even when UTC is already in the next week.
    auckland = zone("Pacific/Auckland")
    occurrence = latest_weekly_occurrence(utc(2026, 11, 22, 23, 0), auckland, 0, 9 * 60)  # Mon 12:00 NZDT
    assert occurrence.week_key == "2026-W48" and occurrence.due_at == utc(2026, 11, 22, 20, 0)


def test_prompts_follow_each_members_own_timezone_and_settings(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "UBERLIN", "Europe/Berlin")  # Friday 16:00 CET = 15:00 UTC
    enroll(db, "UTOKYO", "Asia/Tokyo")  # Friday 16:00 JST = 07:00 UTC
    enroll(db, "UMONDAY", "UTC", prompt_weekday=0, prompt_minute=9 * 60 + 30)  # Monday 09:30 UTC
    tick(deps, utc(2026, 11, 20, 7, 0))
    assert [p["channel"] for p in dms(fake_slack)] == ["UTOKYO"]
    tick(deps, utc(2026, 11, 20, 15, 0))
    assert [p["channel"] for p in dms(fake_slack)] == ["UTOKYO", "UBERLIN"]
    tick(deps, utc(2026, 11, 23, 9, 29))
    assert len(dms(fake_slack)) == 2
    tick(deps, utc(2026, 11, 23, 9, 30))
    assert [p["channel"] for p in dms(fake_slack)][-1] == "UMONDAY"


def test_grace_window_bot_down_overnight_skips_and_logs(
    db: Database, deps: Any, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    enroll(db, "U1", "America/New_York")
    # Down from Friday 15:00 to Saturday 10:00 local: the first tick after is Saturday 15:00 UTC.
    with caplog.at_level("WARNING"):
        report = tick(deps, utc(2026, 11, 21, 15, 0))
    assert dms(fake_slack) == []
    assert report.skipped == 1
    [row] = ledger_rows(db, WEEKLY)
    assert row.period_key == "2026-W47"
    assert row.status == DeliveryStatus.SKIPPED.value and "missed" in (row.last_error or "")
    assert row.reason == DeliveryReason.MISSED
    assert any("grace" in record.getMessage() for record in caplog.records)
    tick(deps, utc(2026, 11, 21, 15, 1))
    assert dms(fake_slack) == []


def test_grace_window_bot_back_the_same_afternoon_catches_up_once(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    enroll(db, "U1", "America/New_York")
    tick(deps, utc(2026, 11, 20, 20, 0))  # 15:00 local, then down until 17:00 local
    tick(deps, utc(2026, 11, 20, 22, 0))
    tick(deps, utc(2026, 11, 20, 22, 1))
    assert len(dms(fake_slack, "U1")) == 1


def test_opted_out_blocked_and_never_enrolled_get_nothing(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "UOPTOUT", weekly_prompt_enabled=False)
    enroll(db, "UBLOCKED", delivery_blocked_at=utc(2026, 11, 1), delivery_blocked_reason="user_not_found")
    enroll(db, "ULATE", enrolled_at=utc(2026, 11, 20, 21, 30))  # first used the bot after this week's time
    enroll(db, "UYES")
    fake_slack.users["UNEVER"] = {"tz": "America/New_York"}  # in the workspace, never used the bot
    tick(deps, utc(2026, 11, 20, 21, 45))
    assert [p["channel"] for p in dms(fake_slack)] == ["UYES"]


def test_permanent_error_blocks_the_member_and_is_not_retried(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    member_id = enroll(db, "UGONE")
    fake_slack.error_next("chat.postMessage", "user_not_found")
    report = tick(deps, utc(2026, 11, 20, 21, 0))
    assert report.failed == 1
    [row] = [r for r in ledger_rows(db, WEEKLY) if r.period_key == "2026-W47"]
    assert row.status == DeliveryStatus.FAILED.value and row.last_error == "user_not_found"
    with db.transaction() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.delivery_blocked_reason == "user_not_found"
    for hours in (1, 2, 24 * 7):
        tick(deps, utc(2026, 11, 20, 21, 0) + timedelta(hours=hours))
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(ledger_rows(db, WEEKLY)) == 1  # blocked members are not even planned


def test_prompt_is_tailored_to_stage_and_open_criteria(
    db: Database, deps: Any, fake_slack: FakeSlack, content: Content
) -> None:
    member_id = enroll(db, "U1", stage=1)
    enroll(db, "U2")
    stage_one = content.stage(1)
    covered = stage_one.exit_criteria[0]
    with db.transaction() as session:
        entry = BragEntry(
            member_id=member_id, what="Shipped <b>", created_at=utc(2026, 11, 18), updated_at=utc(2026, 11, 18)
        )
        entry.evidence = [BragEvidence(evidence_key=covered.key)]
        session.add(entry)
    tick(deps, utc(2026, 11, 20, 21, 0))
    [staged] = dms(fake_slack, "U1")
    [unstaged] = dms(fake_slack, "U2")
    text = str(staged["blocks"])
    assert covered.text not in text
    # Aimed at the gap: exactly one open criterion is named, with a concrete question about it.
    named = [c for c in stage_one.exit_criteria[1:] if c.text in text]
    assert len(named) == 1
    assert load_gap_questions()[named[0].key] in text
    assert "1 win" in text
    tactics = {t.name for t in content.growth.tactics if t.best_from_stage <= 2}
    assert any(name in text for name in tactics)
    assert "/stage" in str(unstaged["blocks"])
    for payload in (staged, unstaged):
        assert message_problems({"text": payload["text"], "blocks": payload["blocks"]}) == []


def test_tip_rotates_weekly(db: Database, deps: Any, fake_slack: FakeSlack, content: Content) -> None:
    enroll(db, "U1", stage=3)
    tips = []
    for day in (20, 27):
        tick(deps, utc(2026, 11, day, 21, 0))
        tips.append(str(dms(fake_slack, "U1")[-1]["blocks"][1]))
    assert tips[0] != tips[1]


def test_member_whose_timezone_is_unknown_gets_utc(db: Database, deps: Any, fake_slack: FakeSlack) -> None:
    enroll(db, "U1", "Mars/Olympus_Mons")
    tick(deps, utc(2026, 11, 20, 16, 0))
    assert len(dms(fake_slack, "U1")) == 1
    with db.transaction() as session:
        assert session.scalar(select(Member.timezone)) == "Mars/Olympus_Mons"


def test_the_in_process_scheduler_ticks_every_minute_through_run_tick(
    db: Database, deps: Any, fake_slack: FakeSlack
) -> None:
    from bot.tick.scheduler import start_scheduler
    from bot.webapi.tokens import StaticToken
    from tests.support.bots import BOT_TOKEN

    enroll(db, "U1", "America/New_York")
    deps.clock.set(utc(2026, 11, 20, 21, 0))
    scheduler = start_scheduler(deps, StaticToken(BOT_TOKEN))
    try:
        [job] = scheduler.get_jobs()
        assert job.max_instances == 1 and job.coalesce is True
        assert str(job.trigger) == "cron[second='0']"
        job.func()  # what APScheduler runs each minute
        job.func()
    finally:
        scheduler.shutdown(wait=False)
    assert len(dms(fake_slack, "U1")) == 1


def test_a_blocked_member_who_uses_the_bot_again_is_reachable_again(db: Database, deps: Any) -> None:
    from bot.services.members import enroll as enroll_member

    member_id = enroll(db, "UBACK", delivery_blocked_at=utc(2026, 11, 1), delivery_blocked_reason="cannot_dm_bot")
    with db.transaction() as session:
        enroll_member(session, "T0001", "UBACK", utc(2026, 11, 22, 12))
    with db.transaction() as session:
        member = session.get(Member, member_id)
        assert member is not None
        assert member.delivery_blocked_at is None and member.delivery_blocked_reason is None


def test_nobody_gets_prompts_until_they_set_a_stage_record_a_win_or_choose_them(
    db: Database, deps: Any, fake_slack: FakeSlack, content: Content
) -> None:
    # Four people who only looked (a /stage, a manager setting up a digest): prompts are on by default.
    for user in ("U1", "U2", "U3", "U4"):
        enroll(db, user, "UTC", prompts_chosen_at=None)
    friday = utc(2026, 11, 20, 16, 0)
    tick(deps, friday)
    assert dms(fake_slack) == []
    with db.transaction() as session:
        by_user = {m.slack_user_id: m for m in session.scalars(select(Member))}
        by_user["U2"].stage = 2
        entry = BragEntry(
            member_id=by_user["U3"].id, what="shipped it", created_at=friday, updated_at=friday, visibility="private"
        )
        session.add(entry)
        by_user["U4"].prompts_chosen_at = friday
    next_friday = utc(2026, 11, 27, 16, 0)
    tick(deps, next_friday)
    assert sorted(p["channel"] for p in dms(fake_slack)) == ["U2", "U3", "U4"]

"""Settings and the Home snapshot as services, on a real database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.db.models import Member
from bot.services import brag
from bot.services.home import home_snapshot, next_step
from bot.services.members import enroll, is_valid_timezone, record_slack_profile
from bot.services.progress import stage_progress
from bot.services.settings import (
    COMMON_TIMEZONES,
    FOLLOW_SLACK,
    SettingsForm,
    SettingsInputError,
    apply_settings,
    format_minute,
    parse_time,
    timezone_choices,
)
from content import Content
from tests.support.members import NOW

FORM = SettingsForm(
    stage="3",
    default_visibility="manager",
    prompt_weekday="1",
    prompt_time="08:15",
    timezone="Asia/Tokyo",
    weekly_prompt_enabled=False,
    stuck_nudges_enabled=True,
    review_reminders_enabled=False,
)


def test_common_timezones_are_all_real() -> None:
    assert all(is_valid_timezone(name) for name in COMMON_TIMEZONES)
    assert len(set(COMMON_TIMEZONES)) == len(COMMON_TIMEZONES) < 99


def test_apply_settings_saves_everything(session: Session, me: Member) -> None:
    apply_settings(me, FORM, NOW)
    assert (me.stage, me.stage_set_at, me.default_visibility) == (3, NOW, "manager")
    assert (me.prompt_weekday, me.prompt_minute) == (1, 8 * 60 + 15)
    assert (me.timezone, me.timezone_from_slack) == ("Asia/Tokyo", False)
    assert (me.weekly_prompt_enabled, me.stuck_nudges_enabled, me.review_reminders_enabled) == (False, True, False)
    assert me.prompts_chosen_at is None  # saved with prompts off: not a choice to get them
    apply_settings(me, replace(FORM, weekly_prompt_enabled=True), NOW + timedelta(days=1))
    assert me.prompts_chosen_at == NOW + timedelta(days=1)
    # A timezone the person picked is not overwritten by Slack's.
    record_slack_profile(session, me.id, "Europe/Paris", None, NOW)
    assert me.timezone == "Asia/Tokyo"


def test_unchanged_stage_keeps_its_date_and_follow_slack_goes_back(session: Session, me: Member) -> None:
    apply_settings(me, FORM, NOW)
    apply_settings(me, replace(FORM, timezone=FOLLOW_SLACK), NOW + timedelta(days=1))
    assert me.stage_set_at == NOW
    assert me.timezone_from_slack is True and me.timezone_refreshed_at is None
    record_slack_profile(session, me.id, "Europe/Paris", None, NOW)
    assert me.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stage": "6"}, "stage"),
        ({"default_visibility": "everyone"}, "default_visibility"),
        ({"default_visibility": None}, "default_visibility"),
        ({"prompt_weekday": "7"}, "prompt_weekday"),
        ({"prompt_weekday": None}, "prompt_weekday"),
        ({"prompt_time": "24:00"}, "prompt_time"),
        ({"prompt_time": "9am"}, "prompt_time"),
        ({"prompt_time": None}, "prompt_time"),
        ({"timezone": "Not/AZone"}, "timezone"),
        ({"timezone": ""}, "timezone"),
    ],
)
def test_bad_values_change_nothing(me: Member, change: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsInputError) as error:
        apply_settings(me, replace(FORM, **change), NOW)  # type: ignore[arg-type]
    assert error.value.field == field
    assert (me.stage, me.default_visibility, me.prompt_minute, me.timezone_from_slack) == (None, "private", 960, True)


def test_empty_stage_keeps_the_current_one(me: Member) -> None:
    me.stage = 2
    apply_settings(me, replace(FORM, stage=None), NOW)
    assert me.stage == 2


def test_time_helpers() -> None:
    assert parse_time("00:00") == 0 and parse_time("23:59") == 1439
    assert format_minute(965) == "16:05"
    assert timezone_choices("UTC") == list(COMMON_TIMEZONES)
    assert timezone_choices("Antarctica/Troll")[0] == "Antarctica/Troll"


def test_home_snapshot_is_only_the_members_own(session: Session, content: Content, me: Member) -> None:
    other = enroll(session, "T1", "U2", NOW)
    me.stage = 1
    criterion = content.stage(1).exit_criteria[2]
    for index in range(12):
        brag.create_entry(session, content, me, brag.WinInput(f"mine {index}"), now=NOW + timedelta(minutes=index))
    brag.create_entry(
        session, content, me, brag.WinInput("tagged", evidence_keys=[criterion.key]), now=NOW + timedelta(hours=1)
    )
    brag.create_entry(
        session, content, other, brag.WinInput("theirs", evidence_keys=[content.stage(1).exit_criteria[0].key]), now=NOW
    )
    snap = home_snapshot(session, content, me)
    assert snap.total_entries == 13 and len(snap.recent) == 10
    assert snap.recent[0].what == "tagged"
    assert all("theirs" not in e.what for e in snap.recent)
    assert snap.progress is not None and snap.progress.with_evidence == 1
    assert snap.next_step is not None and snap.next_step.criterion == content.stage(1).exit_criteria[0]


def test_next_step_prefers_an_unpractised_tactic_for_the_stage(content: Content) -> None:
    progress = stage_progress(content, 1, {})
    step = next_step(content, progress, {})
    assert step.tactic is not None and step.tactic.best_from_stage == 1
    practised = {step.tactic.key: 3}
    other = next_step(content, progress, practised)
    assert other.tactic is not None and other.tactic.key != step.tactic.key
    assert step.criterion == content.stage(1).exit_criteria[0]

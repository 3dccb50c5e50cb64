"""The weekly prompt's buttons over signed HTTP: nothing this week, later today, next week, ownership."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import BragEntry, Member, NudgeDelivery, NudgeKind
from tests.support.bots import RunningBot
from tests.support.driver import block_texts
from tests.support.nudges import dms, enroll, ledger_rows, tick, utc

FRIDAY_1600_NY = utc(2026, 11, 20, 21, 0)
USER = "U0001"
WEEKLY = NudgeKind.WEEKLY_PROMPT.value


def prompt_row(bot: RunningBot, period: str = "2026-W47") -> NudgeDelivery:
    [row] = [r for r in ledger_rows(bot.db, WEEKLY) if r.period_key == period]
    return row


def prompted(bot: RunningBot) -> list[dict[str, Any]]:
    enroll(bot.db, USER, "America/New_York")
    tick(bot.deps, FRIDAY_1600_NY)
    return dms(bot.fake, USER)


def click(bot: RunningBot, action_id: str, value: str, user: str = USER, minutes_after: int = 5) -> dict[str, Any]:
    bot.clock.set(FRIDAY_1600_NY + timedelta(minutes=minutes_after))
    bot.slack.click(action_id, value, user=user)
    [reply] = bot.slack.responses()
    return reply


def test_nothing_this_week_is_recorded_and_acknowledged(bot: RunningBot) -> None:
    assert len(prompted(bot)) == 1
    value = str(prompt_row(bot).id)
    reply = click(bot, ids.PROMPT_NOTHING_THIS_WEEK, value)
    assert reply["replace_original"] is True and "Quiet weeks happen" in block_texts(reply)
    assert "next Friday" in block_texts(reply)
    assert prompt_row(bot).response == "nothing_this_week"


def test_later_today_reprompts_once_three_hours_later(bot: RunningBot) -> None:
    prompted(bot)
    reply = click(bot, ids.PROMPT_SNOOZE_LATER_TODAY, str(prompt_row(bot).id))
    assert "I'll ask again at <!date^" in block_texts(reply)
    assert prompt_row(bot).response == "snoozed_later_today"
    later = FRIDAY_1600_NY + timedelta(hours=3, minutes=5)
    tick(bot.deps, later - timedelta(minutes=1))
    assert len(dms(bot.fake, USER)) == 1
    for minutes in (0, 1, 30):
        tick(bot.deps, later + timedelta(minutes=minutes))
    reprompts = dms(bot.fake, USER)[1:]
    assert len(reprompts) == 1 and "the reminder you asked for" in block_texts(reprompts[0])
    [snoozed] = [r for r in ledger_rows(bot.db, WEEKLY) if "snooze" in r.period_key]
    assert snoozed.period_key.startswith("2026-W47-snooze-") and snoozed.status == "sent"


def test_later_today_is_dropped_when_a_win_was_saved_meanwhile(bot: RunningBot) -> None:
    prompted(bot)
    click(bot, ids.PROMPT_SNOOZE_LATER_TODAY, str(prompt_row(bot).id))
    with bot.db.transaction() as session:
        member = session.scalars(select(Member)).one()
        saved_at = FRIDAY_1600_NY + timedelta(hours=1)
        session.add(BragEntry(member_id=member.id, what="fixed it", created_at=saved_at, updated_at=saved_at))
    tick(bot.deps, FRIDAY_1600_NY + timedelta(hours=3, minutes=5))
    assert len(dms(bot.fake, USER)) == 1
    [snoozed] = [r for r in ledger_rows(bot.db, WEEKLY) if "snooze" in r.period_key]
    assert snoozed.status == "skipped" and "win was saved" in (snoozed.last_error or "")


def test_next_week_skips_this_week_and_next_weeks_prompt_still_comes(bot: RunningBot) -> None:
    prompted(bot)
    reply = click(bot, ids.PROMPT_SNOOZE_NEXT_WEEK, str(prompt_row(bot).id))
    assert "See you next Friday" in block_texts(reply)
    assert prompt_row(bot).response == "snoozed_next_week"
    tick(bot.deps, FRIDAY_1600_NY + timedelta(hours=3))
    assert len(dms(bot.fake, USER)) == 1
    tick(bot.deps, FRIDAY_1600_NY + timedelta(days=7))
    assert len(dms(bot.fake, USER)) == 2


def test_someone_else_clicking_a_prompt_changes_nothing(bot: RunningBot) -> None:
    prompted(bot)
    value = str(prompt_row(bot).id)
    for action_id in (ids.PROMPT_NOTHING_THIS_WEEK, ids.PROMPT_SNOOZE_LATER_TODAY, ids.PROMPT_SNOOZE_NEXT_WEEK):
        reply = click(bot, action_id, value, user="U0002")
        assert reply.get("replace_original") is False and "someone else" in block_texts(reply)
    assert prompt_row(bot).response is None
    with bot.db.transaction() as session:
        owner = session.scalars(select(Member).where(Member.slack_user_id == USER)).one()
        assert owner.prompt_snoozed_until is None
    # A made-up or non-prompt id is refused the same way.
    reply = click(bot, ids.PROMPT_SNOOZE_LATER_TODAY, "999999")
    assert "someone else" in block_texts(reply)


def test_prompt_button_values_carry_the_delivery_id(bot: RunningBot) -> None:
    [prompt] = prompted(bot)
    row_id = str(prompt_row(bot).id)
    values = {e["action_id"]: e.get("value") for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert values == {
        ids.PROMPT_RECORD_WIN: row_id,
        ids.PROMPT_NOTHING_THIS_WEEK: row_id,
        ids.PROMPT_SNOOZE_LATER_TODAY: row_id,
        ids.PROMPT_SNOOZE_NEXT_WEEK: row_id,
    }
    with bot.db.transaction() as session:
        assert session.scalar(select(NudgeDelivery.recipient_id).where(NudgeDelivery.id == int(row_id))) == USER

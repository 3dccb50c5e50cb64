"""Messages to other people are limited: one per recipient, actor and kind a day, and the actor is told (issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import NudgeKind, ReviewConversation
from bot.slack.registrar import drain
from tests.support.bots import RunningBot, update_member
from tests.support.brag import buttons, coach, count, opened_view, set_stage
from tests.support.driver import block_texts
from tests.support.nudges import dms, ledger_rows, tick
from tests.test_growth_e2e import REVIEW, rate, self_rate, set_up_review

MONDAY = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
"""When a manager who is not a member hears about Monday's namings (09:00 UTC the next day)."""


def test_flipping_the_manager_30_times_sends_each_person_one_notice_a_day(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    for flip in range(30):
        coach(bot, f"manager <@{'UMGRV' if flip % 2 == 0 else 'UMGRW'}>", user="U0001")
    assert drain()
    assert dms(bot.fake, "UMGRV") == dms(bot.fake, "UMGRW") == []  # nothing at once (issue 22)
    # The actor hears when V will be told: once, the next morning, whoever else names V today.
    bot.slack.command("/coach", "manager <@UMGRV>", user="U0001", response_name="again")
    assert "I'll let <@UMGRV> know tomorrow morning" in str(bot.slack.responses("again", count=2))
    tick(bot.deps, TUESDAY_9)
    tick(bot.deps, TUESDAY_9 + timedelta(minutes=1))
    # V is named at the time of the message; W no longer is, so W hears nothing.
    assert len(dms(bot.fake, "UMGRV")) == 1
    assert dms(bot.fake, "UMGRW") == []
    # Another day, another notice.
    bot.clock.set(MONDAY + timedelta(days=1))
    coach(bot, "manager <@UMGRW>", user="U0001")
    tick(bot.deps, TUESDAY_9 + timedelta(days=1))
    assert len(dms(bot.fake, "UMGRW")) == 1
    assert len(dms(bot.fake, "UMGRV")) == 1


def test_naming_the_digest_channel_30_times_announces_once(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    coach(bot, "manager <@UMGR>", user="U0001")
    coach(bot, "manager <@UMGR>", user="U0002")
    for _ in range(30):
        coach(bot, "digest <#C0GENERAL|general>", user="UMGR")
    assert drain()
    assert len(dms(bot.fake, "C0GENERAL")) == 1
    # Flipping between two channels: each announced once, each report told once today.
    for flip in range(10):
        coach(bot, f"digest <#{'C0TEAMA' if flip % 2 == 0 else 'C0TEAMB'}|team>", user="UMGR")
    assert drain()
    assert len(dms(bot.fake, "C0TEAMA")) == 1
    assert len(dms(bot.fake, "C0TEAMB")) == 1
    assert len(dms(bot.fake, "U0001")) == 1
    assert len(dms(bot.fake, "U0002")) == 1


def test_flipping_the_stage_sends_the_manager_one_note_a_day(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    coach(bot, "manager <@UMGR>", user="U0001")
    for minute in range(8):
        bot.clock.set(MONDAY + timedelta(minutes=minute))
        set_stage(bot, 1 if minute % 2 == 0 else 2, user="U0001")
        assert drain()
        tick(bot.deps, MONDAY + timedelta(minutes=minute, seconds=30))
    notes = [p for p in dms(bot.fake, "UMGR") if "set their stage" in str(p.get("text"))]
    assert len(notes) == 1
    # The next day's change is told again.
    bot.clock.set(MONDAY + timedelta(days=1))
    set_stage(bot, 3, user="U0001")
    assert drain()
    tick(bot.deps, MONDAY + timedelta(days=1, minutes=1))
    notes = [p for p in dms(bot.fake, "UMGR") if "set their stage" in str(p.get("text"))]
    assert len(notes) == 2


def test_inviting_the_manager_on_two_review_dates_in_a_day_sends_one_invitation(bot: RunningBot) -> None:
    set_up_review(bot)
    first = self_rate(bot, [1, 1, 1, 1, 1, 1], invite=True)
    assert "I've asked <@UMGR>" in block_texts(first["view"])
    later_review = REVIEW + timedelta(days=7)
    update_member(bot, "U0001", review_date=later_review)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.RATING_OPEN_SELF, later_review.isoformat(), user="U0001")
    second = rate(bot, opened_view(bot, before), [1, 1, 1, 1, 1, 1], "U0001", invite=True)
    assert "I haven't invited <@UMGR> this time" in block_texts(second["view"])
    with bot.db.transaction() as session:
        invited = list(session.scalars(select(ReviewConversation.invited_manager_id).order_by(ReviewConversation.id)))
    assert invited == ["UMGR", None]


def test_a_manager_can_stop_messages_about_a_report_and_the_report_learns_it(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    coach(bot, "manager <@UMGR>", user="U0001")
    tick(bot.deps, TUESDAY_9)
    [notice] = dms(bot.fake, "UMGR")
    [mute] = [b for b in buttons(notice) if b["action_id"] == ids.NOTICE_MUTE]
    assert mute["value"] == "U0001" and "confirm" in mute
    # Someone else replaying the button mutes nothing on UMGR's behalf (it would be their own mute).
    bot.slack.click(ids.NOTICE_MUTE, "U0001", user="UMGR", response_name="muted")
    assert "won't message you again because of what <@U0001> does" in str(bot.slack.responses("muted"))
    # Clicking enrolled UMGR: their day is UTC here, so 09:00 UTC stays their morning.
    update_member(bot, "UMGR", timezone="UTC", timezone_from_slack=False)
    # Days later the report flips away and back: UMGR hears nothing, and the report is told why.
    bot.clock.set(MONDAY + timedelta(days=3))
    coach(bot, "manager <@UOTHER>", user="U0001")
    bot.slack.command("/coach", "manager <@UMGR>", user="U0001", response_name="relinked")
    answers = bot.slack.responses("relinked", count=2)
    assert "asked me not to message them about you" in str(answers)
    tick(bot.deps, TUESDAY_9 + timedelta(days=3))
    assert len(dms(bot.fake, "UMGR")) == 1
    # Other reports still reach UMGR.
    coach(bot, "manager <@UMGR>", user="U0002")
    tick(bot.deps, TUESDAY_9 + timedelta(days=3, minutes=1))
    assert len(dms(bot.fake, "UMGR")) == 2
    assert "<@U0002> named you" in dms(bot.fake, "UMGR")[1]["text"]
    # A forged value (not a user id) mutes nothing and answers nothing.
    bot.slack.click(ids.NOTICE_MUTE, "<!channel>", user="UMGR")
    assert drain()


def test_one_actor_reaches_at_most_three_people_a_day_by_naming_managers(bot: RunningBot) -> None:
    bot.clock.set(MONDAY)
    managers = [f"UBOSS{index}" for index in range(6)]
    for manager in managers[:3]:
        coach(bot, f"manager <@{manager}>", user="U0001")
    bot.slack.command("/coach", f"manager <@{managers[3]}>", user="U0001", response_name="fourth")
    assert "already messaged 3 people about this for you today" in str(bot.slack.responses("fourth", count=2))
    coach(bot, f"manager <@{managers[4]}>", user="U0001")
    # The link itself is made: only the message is held back.
    assert "<@UBOSS4> is your manager here" in coach(bot, "manager", user="U0001")
    # Three messages planned at most; each goes only if U0001 still names that person when it is sent.
    coach(bot, f"manager <@{managers[0]}>", user="U0001")
    tick(bot.deps, TUESDAY_9)
    assert len(ledger_rows(bot.db, NudgeKind.MANAGER_NAMED)) == 3
    assert [len(dms(bot.fake, manager)) for manager in managers] == [1, 0, 0, 0, 0, 0]

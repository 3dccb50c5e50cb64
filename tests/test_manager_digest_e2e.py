"""Manager link, digest channel and the Monday digest tick; review reminders: signed HTTP, then ticks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import DeliveryStatus, EntrySource, Member, NudgeKind, Visibility
from bot.services import brag
from bot.slack.registrar import drain
from tests.support.bots import RunningBot, update_member
from tests.support.brag import coach
from tests.support.driver import block_texts
from tests.support.nudges import dms, ledger_rows, tick
from tests.support.surfaces import fallback_problems

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
MONDAY_0900_LA = datetime(2026, 11, 23, 9, 0, tzinfo=LA)


def member(bot: RunningBot, user: str) -> Member:
    with bot.db.transaction() as session:
        return session.scalars(select(Member).where(Member.slack_user_id == user)).one()


def add_win(bot: RunningBot, user: str, what: str, visibility: Visibility, at: datetime) -> None:
    with bot.db.transaction() as session:
        row = session.scalars(select(Member).where(Member.slack_user_id == user)).one()
        brag.create_entry(
            session,
            bot.deps.content,
            row,
            brag.WinInput(what, visibility=visibility),
            now=at,
            source=EntrySource.COMMAND,
        )


def test_naming_a_manager_links_them_and_tells_them(bot: RunningBot) -> None:
    shown = coach(bot, "manager <@UMGR|maria>", user="U0001")
    assert "<@UMGR> is your manager here now" in shown
    assert member(bot, "U0001").manager_slack_user_id == "UMGR"
    # The bare form works too, and naming the same manager again plans no second notice.
    assert "is your manager here." in coach(bot, "manager UMGR", user="U0001")
    assert drain()
    assert dms(bot.fake, "UMGR") == []  # told the next morning, with whoever else names them today
    tick(bot.deps, datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    [notice] = dms(bot.fake, "UMGR")
    assert "<@U0001> named you as their manager" in notice["text"]


def test_nobody_can_be_their_own_manager_or_name_the_bot(bot: RunningBot) -> None:
    assert "your own manager" in coach(bot, "manager <@U0001|me>", user="U0001")
    assert "can't be your manager" in coach(bot, f"manager <@{bot.fake.bot_user_id}>", user="U0001")
    assert "couldn't tell who you meant" in coach(bot, "manager maria", user="U0001")
    assert member(bot, "U0001").manager_slack_user_id is None


def test_removing_the_link_by_command_and_by_button(bot: RunningBot) -> None:
    coach(bot, "manager <@UMGR|maria>", user="U0001")
    assert "no longer linked" in coach(bot, "manager remove", user="U0001")
    assert member(bot, "U0001").manager_slack_user_id is None
    coach(bot, "manager <@UMGR|maria>", user="U0001")
    # Someone else replaying the button acts on their own (absent) link only.
    bot.slack.click(ids.MANAGER_UNLINK, "UMGR", user="U0666")
    assert "had no manager" in block_texts(bot.slack.responses()[0])
    assert member(bot, "U0001").manager_slack_user_id == "UMGR"
    bot.slack.click(ids.MANAGER_UNLINK, "UMGR", user="U0001")
    bot.slack.responses()
    assert member(bot, "U0001").manager_slack_user_id is None


def test_digest_channel_is_checked_by_posting_there(bot: RunningBot) -> None:
    bot.fake.channels_without_bot.add("C0PRIVATE")
    shown = coach(bot, "digest <#C0PRIVATE|leads>", user="UMGR")
    assert "/invite @Stagecoach" in shown
    assert member(bot, "UMGR").digest_channel_id is None
    shown = coach(bot, "digest <#C0TEAM|team>", user="UMGR")
    assert "<#C0TEAM> every Monday at 09:00" in shown
    assert "Nobody has named you" in shown
    [announcement] = [p for p in dms(bot.fake, "C0TEAM")]
    assert "weekly team digest here" in announcement["text"]
    assert member(bot, "UMGR").digest_channel_id == "C0TEAM"
    assert "digest is off" in coach(bot, "digest off", user="UMGR")
    assert member(bot, "UMGR").digest_channel_id is None


def test_monday_digest_posts_once_with_shared_wins_only(bot: RunningBot) -> None:
    coach(bot, "manager <@UMGR|maria>", user="U0001")
    coach(bot, "manager <@UMGR|maria>", user="U0002")
    coach(bot, "digest <#C0TEAM|team>", user="UMGR")
    update_member(bot, "UMGR", timezone="America/Los_Angeles", timezone_from_slack=False)
    update_member(bot, "U0001", display_name="Ana", stage=2)
    update_member(bot, "U0002", display_name="Ben <!here>", stage=1)
    in_the_week = MONDAY_0900_LA - timedelta(days=3)
    add_win(bot, "U0001", "<!channel> shipped the retry fix & more", Visibility.TEAM_CHANNEL, in_the_week)
    add_win(bot, "U0001", "private side project", Visibility.PRIVATE, in_the_week)
    add_win(bot, "U0002", "paired on the flaky test", Visibility.TEAM_CHANNEL, in_the_week)
    bot.fake.reset()

    tick(bot.deps, MONDAY_0900_LA - timedelta(minutes=1))
    assert dms(bot.fake, "C0TEAM") == []
    tick(bot.deps, MONDAY_0900_LA)
    tick(bot.deps, MONDAY_0900_LA)
    tick(bot.deps, MONDAY_0900_LA + timedelta(minutes=5))
    [digest] = dms(bot.fake, "C0TEAM")
    text = str(digest)
    assert "&lt;!channel&gt; shipped the retry fix &amp; more" in text
    assert "private side project" not in text
    assert "<!channel>" not in text and "<!here>" not in text
    assert "Ben &lt;!here&gt;" in text  # named, escaped, not mentioned
    assert "<@U0002>" not in text and "<@U0001>" not in text
    # The channel celebrates: names and wins, no stage, progress, 1:1 idea or quiet count.
    assert "exit criteria" not in text and "1:1 idea" not in text and "Stage 2" not in text
    sent = [r for r in ledger_rows(bot.db, NudgeKind.DIGEST.value) if r.status == DeliveryStatus.SENT.value]
    assert sorted(r.recipient_id for r in sent) == ["C0TEAM", "UMGR"]
    # Maria's own digest counts the same wins (everything shared with her) and carries the coaching.
    [private] = dms(bot.fake, "UMGR")
    assert "*2 reports* · 2 shared wins this week" in str(private) and "1:1 idea" in str(private)
    assert "private side project" not in str(private)


def test_a_manager_nobody_named_gets_no_content_about_anyone(bot: RunningBot) -> None:
    coach(bot, "manager <@UMGR|maria>", user="U0001")
    add_win(bot, "U0001", "shared with maria only", Visibility.MANAGER, MONDAY_0900_LA - timedelta(days=1))
    coach(bot, "digest <#C0OTHER|other>", user="UOTHER")
    update_member(bot, "UOTHER", timezone="America/Los_Angeles", timezone_from_slack=False)
    bot.fake.reset()
    tick(bot.deps, MONDAY_0900_LA)
    # Nothing was shared in that channel: an empty week posts nothing there at all.
    assert dms(bot.fake, "C0OTHER") == []


def test_review_reminders_two_weeks_and_two_days_before(bot: RunningBot) -> None:
    bot.slack.command("/feedback-questions", user="U0001")  # enrolls
    bot.slack.responses()
    update_member(
        bot, "U0001", timezone="America/New_York", timezone_from_slack=False, review_date=date(2026, 12, 10), stage=1
    )
    add_win(bot, "U0001", "fixed the flaky deploy", Visibility.PRIVATE, datetime(2026, 11, 20, 15, tzinfo=NY))
    bot.fake.reset()
    two_weeks = datetime(2026, 11, 26, 9, 0, tzinfo=NY)
    tick(bot.deps, two_weeks - timedelta(minutes=1))
    assert dms(bot.fake, "U0001") == []
    tick(bot.deps, two_weeks)
    tick(bot.deps, two_weeks + timedelta(minutes=1))
    # One message: the packet carries the self-rating ask (issue 15) instead of a second DM that minute.
    [packet] = dms(bot.fake, "U0001")
    assert packet["text"] == "Your review is on Thursday 10 December (in 14 days): here is your packet"
    assert "fixed the flaky deploy" in str(packet) and "Still without evidence" in str(packet)
    assert "Rate my exit criteria" in str(packet)
    assert fallback_problems(packet["text"]) == []
    two_days = datetime(2026, 12, 8, 9, 0, tzinfo=NY)
    tick(bot.deps, two_days)
    tick(bot.deps, two_days)
    packets = dms(bot.fake, "U0001")
    assert len(packets) == 2
    assert "(in 2 days)" in packets[1]["text"] and "Rate my exit criteria" not in str(packets[1])
    # Both packets cover the same window, counted back from the review.
    since = [str(p["blocks"][1]).split("since ")[1] for p in packets]
    assert since[0] == since[1]


def test_a_reminder_on_a_weekend_goes_out_the_working_day_before_and_says_when(bot: RunningBot) -> None:
    bot.slack.command("/feedback-questions", user="U0001")  # enrolls
    bot.slack.responses()
    monday = date(2026, 12, 21)
    update_member(bot, "U0001", timezone="America/New_York", timezone_from_slack=False, review_date=monday, stage=2)
    bot.fake.reset()
    # "Two days before" is Saturday 19 December: it moves back to Friday 18 (Monday to Friday are her days).
    at = datetime(2026, 12, 17, 9, 0, tzinfo=NY)
    while at <= datetime(2026, 12, 21, 18, 0, tzinfo=NY):
        tick(bot.deps, at)
        at += timedelta(hours=1)
    packets = [p for p in dms(bot.fake, "U0001") if "here is your packet" in p["text"]]
    [packet] = packets
    assert packet["text"] == "Your review is on Monday 21 December (in 3 days): here is your packet"
    [row] = [r for r in ledger_rows(bot.db, NudgeKind.REVIEW_REMINDER.value) if r.period_key.endswith("-2d")]
    assert row.sent_at is not None and row.sent_at.astimezone(NY).date() == date(2026, 12, 18)


def test_changing_the_review_date_drops_the_old_reminders(bot: RunningBot) -> None:
    bot.slack.command("/feedback-questions", user="U0001")
    bot.slack.responses()
    update_member(bot, "U0001", timezone="UTC", timezone_from_slack=False, review_date=date(2026, 12, 10))
    update_member(bot, "U0001", review_date=date(2027, 1, 20))
    bot.fake.reset()
    tick(bot.deps, datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("UTC")))
    assert dms(bot.fake, "U0001") == []


def published_home(bot: RunningBot, user: str) -> str:
    bot.fake.reset()
    bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0001"})
    [call] = bot.fake.wait_for("views.publish")
    assert call.params["user_id"] == user
    return str(call.params["view"])


def test_managers_see_their_team_in_app_home(bot: RunningBot) -> None:
    coach(bot, "manager <@UMGR|maria>", user="U0001")
    update_member(bot, "U0001", display_name="Ana", stage=1)
    now = bot.clock().astimezone(LA)
    keys = [c.key for c in bot.deps.content.stage(1).exit_criteria]
    with bot.db.transaction() as session:
        ana = session.scalars(select(Member).where(Member.slack_user_id == "U0001")).one()
        brag.create_entry(
            session,
            bot.deps.content,
            ana,
            brag.WinInput("private proof", evidence_keys=keys, visibility=Visibility.PRIVATE),
            now=now,
        )
        brag.create_entry(
            session,
            bot.deps.content,
            ana,
            brag.WinInput("shared", evidence_keys=keys[:2], visibility=Visibility.MANAGER),
            now=now,
        )
    bot.clock.advance(minutes=5)  # the manager looks a few minutes after the wins were saved
    home = published_home(bot, "UMGR")
    assert "Your team" in home
    assert f"*Ana* · Stage 1 · 2/{len(keys)} criteria · 1 shared this week · 1:1:" in home
    assert "private proof" not in home
    assert "Your team" not in published_home(bot, "U0001")


def test_a_deactivated_managers_channel_digest_stops(bot: RunningBot) -> None:
    coach(bot, "manager <@UMGR|maria>", user="U0001")
    coach(bot, "digest <#C0TEAM|team>", user="UMGR")
    update_member(bot, "UMGR", timezone="America/Los_Angeles", timezone_from_slack=False)
    add_win(bot, "U0001", "paired on the flaky test", Visibility.TEAM_CHANNEL, MONDAY_0900_LA - timedelta(days=3))
    # The users.list pass saw Maria's account deactivated.
    update_member(
        bot, "UMGR", delivery_blocked_at=MONDAY_0900_LA - timedelta(days=1), delivery_blocked_reason="user_deleted"
    )
    bot.fake.reset()
    tick(bot.deps, MONDAY_0900_LA)
    tick(bot.deps, MONDAY_0900_LA + timedelta(minutes=5))
    assert dms(bot.fake, "C0TEAM") == []
    assert ledger_rows(bot.db, NudgeKind.DIGEST.value) == []

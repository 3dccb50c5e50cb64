"""App Home over signed HTTP: what it shows, whose wins, edit/delete ownership, settings, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.blocks import ids
from bot.blocks.limits import view_problems
from bot.db.engine import Database
from bot.db.models import BragEntry, BragEvidence, Member
from bot.deps import Deps
from bot.services import brag
from bot.services.members import enroll
from content import Content
from tests.support.bots import RunningBot, make_settings, start_bot
from tests.support.brag import (
    button_values,
    buttons,
    count,
    element,
    open_home,
    opened_view,
    published_home,
    quick_win,
    set_stage,
    win_values,
)
from tests.support.clock import Clock
from tests.support.driver import block_texts
from tests.support.fake_slack import FakeSlack


def entry_count(bot: RunningBot) -> int:
    with bot.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(BragEntry)) or 0)


def test_home_shows_stage_next_stage_progress_and_what_to_do_next(bot: RunningBot) -> None:
    set_stage(bot, 3)
    stage = bot.deps.content.stage(3)
    done = stage.exit_criteria[1]
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL)
    view = opened_view(bot, before)
    bot.slack.submit_view(view, win_values(what="Led the cross-team auth rollout", evidence=[done.key]))

    home = open_home(bot)
    assert view_problems(home) == []
    text = block_texts(home)
    assert "*Stage 3: System Owner* · next: Stage 4: Domain Owner" in text
    # One progress view: one bar, each criterion once.
    assert f"`▰▱▱▱▱▱▱▱▱▱` *1 of {len(stage.exit_criteria)}* exit criteria have evidence" in text
    assert "Still open" not in text and text.count(stage.exit_criteria[2].text) == 1
    assert f":white_check_mark: {done.text} _(1 win)_" in text
    assert f":white_circle: {stage.exit_criteria[0].text}" in text
    # What to do next: the first criterion still open, and a growth tactic for this stage.
    assert f"Find or create evidence for _{stage.exit_criteria[0].text}_" in text
    assert ":bulb:" in text
    assert "Led the cross-team auth rollout" in text
    assert ids.HOME_OPEN_SETTINGS in [b["action_id"] for b in buttons(home)]


def test_home_without_a_stage_invites_to_find_it(bot: RunningBot) -> None:
    home = open_home(bot)
    text = block_texts(home)
    assert "You haven't set your stage yet" in text and "/stage" in text
    assert ids.STAGE_OPEN_ASSESSMENT in [b["action_id"] for b in buttons(home)]
    assert "No wins yet" in text


def test_another_users_home_never_shows_my_wins(bot: RunningBot) -> None:
    quick_win(bot, "Secret launch win")
    quick_win(bot, "Their own win", user="U0002")
    mine = block_texts(open_home(bot, "U0001"))
    theirs = block_texts(open_home(bot, "U0002"))
    assert "Secret launch win" in mine and "Their own win" not in mine
    assert "Their own win" in theirs and "Secret launch win" not in theirs


def test_delete_asks_to_confirm_and_only_the_owner_can_delete(bot: RunningBot) -> None:
    quick_win(bot, "Win to keep safe")
    home = open_home(bot)
    [delete] = [b for b in buttons(home) if b["action_id"] == ids.WIN_DELETE]
    assert delete["style"] == "danger" and delete["confirm"]["confirm"]["text"] == "Delete"
    entry_id = delete["value"]

    # Another user replays the owner's delete button from their own Home: nothing is deleted.
    before = count(bot.fake, "views.publish")
    bot.slack.click(ids.WIN_DELETE, entry_id, user="U0002", view={"type": "home"})
    attacker_home = published_home(bot.fake, "U0002", before)
    assert "Win to keep safe" not in block_texts(attacker_home)
    assert entry_count(bot) == 1
    # ... nor from a message (they get a clear refusal that reveals nothing).
    bot.slack.click(ids.WIN_DELETE, entry_id, user="U0002", response_name="replay")
    refusal = bot.slack.responses("replay")[0]
    assert "isn't in your brag document" in block_texts(refusal) and "Win to keep safe" not in str(refusal)
    assert entry_count(bot) == 1

    # The owner's click deletes it (with its evidence) and refreshes their Home.
    with bot.db.transaction() as session:
        session.add(BragEvidence(entry_id=int(entry_id), evidence_key="t-ask-for-feedback"))
    before = count(bot.fake, "views.publish")
    bot.slack.click(ids.WIN_DELETE, entry_id, view={"type": "home"})
    refreshed = published_home(bot.fake, "U0001", before)
    assert "Win to keep safe" not in block_texts(refreshed)
    assert entry_count(bot) == 0
    with bot.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BragEvidence)) == 0


def test_edit_from_home_is_owner_only(bot: RunningBot) -> None:
    quick_win(bot, "Original text")
    [entry_id] = button_values(open_home(bot), ids.WIN_EDIT)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_EDIT, entry_id, view={"type": "home"})
    view = opened_view(bot, before)
    assert element(view, ids.WIN_WHAT_BLOCK)["initial_value"] == "Original text"

    before_publish = count(bot.fake, "views.publish")
    bot.slack.click(ids.WIN_EDIT, entry_id, user="U0002", view={"type": "home"})
    published_home(bot.fake, "U0002", before_publish)
    assert count(bot.fake, "views.open") == before + 1


def test_home_with_many_wins_stays_within_slack_limits(bot: RunningBot) -> None:
    quick_win(bot, "first")
    with bot.db.transaction() as session:
        member = session.scalars(select(Member)).one()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for index in range(60):
            brag.create_entry(
                session,
                bot.deps.content,
                member,
                brag.WinInput(
                    f"Win number {index} " + "with a long description " * 80,
                    impact="impact " * 250,
                    evidence_keys=["t-ask-for-feedback", "s1-help-onboard"],
                ),
                now=start + timedelta(days=index),
            )
    home = open_home(bot)
    assert view_problems(home) == []
    assert len(button_values(home, ids.WIN_DELETE)) == 10
    assert "Wins 1–10 of 61" in block_texts(home)


def test_settings_button_opens_settings_and_saving_updates_member_and_home(bot: RunningBot) -> None:
    open_home(bot)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.HOME_OPEN_SETTINGS, view={"type": "home"})
    view = opened_view(bot, before)
    assert view["callback_id"] == ids.SETTINGS_MODAL and view_problems(view) == []
    assert element(view, ids.SETTINGS_PROMPT_DAY_BLOCK)["initial_option"]["value"] == "4"
    assert element(view, ids.SETTINGS_PROMPT_TIME_BLOCK)["initial_time"] == "16:00"
    assert element(view, ids.SETTINGS_TIMEZONE_BLOCK)["initial_option"]["value"] == "slack"

    def values(tz: str, time: str = "09:30") -> dict[str, Any]:
        return {
            ids.SETTINGS_STAGE_BLOCK: {ids.SETTINGS_INPUT: {"selected_option": {"value": "2"}}},
            ids.SETTINGS_VISIBILITY_BLOCK: {ids.SETTINGS_INPUT: {"selected_option": {"value": "manager"}}},
            ids.SETTINGS_PROMPT_DAY_BLOCK: {ids.SETTINGS_INPUT: {"selected_option": {"value": "0"}}},
            ids.SETTINGS_PROMPT_TIME_BLOCK: {ids.SETTINGS_INPUT: {"selected_time": time}},
            ids.SETTINGS_TIMEZONE_BLOCK: {ids.SETTINGS_INPUT: {"selected_option": {"value": tz}}},
            ids.SETTINGS_OPT_OUTS_BLOCK: {ids.SETTINGS_INPUT: {"selected_options": [{"value": "review_reminders"}]}},
        }

    reply = bot.slack.submit_view(view, values("Mars/Olympus_Mons"))
    assert reply.json() == {
        "response_action": "errors",
        "errors": {ids.SETTINGS_TIMEZONE_BLOCK: "Pick a timezone from the list."},
    }
    reply = bot.slack.submit_view(view, values("Europe/Berlin", time="25:00"))
    assert list(reply.json()["errors"]) == [ids.SETTINGS_PROMPT_TIME_BLOCK]
    with bot.db.transaction() as session:
        assert session.scalars(select(Member)).one().default_visibility == "private"

    before = count(bot.fake, "views.publish")
    reply = bot.slack.submit_view(view, values("Europe/Berlin"))
    assert reply.status == 200 and not reply.body
    home = published_home(bot.fake, "U0001", before)
    with bot.db.transaction() as session:
        member = session.scalars(select(Member)).one()
        assert (member.stage, member.default_visibility) == (2, "manager")
        assert (member.prompt_weekday, member.prompt_minute) == (0, 9 * 60 + 30)
        assert (member.timezone, member.timezone_from_slack) == ("Europe/Berlin", False)
        assert (member.weekly_prompt_enabled, member.stuck_nudges_enabled, member.review_reminders_enabled) == (
            False,
            False,
            True,
        )
    text = block_texts(home)
    # Settings live behind their button: Home shows the stage, not a summary of every setting.
    assert "Stage 2: Feature Owner" in text and "New wins:" not in text and "Stuck nudges" not in text
    assert ids.HOME_OPEN_SETTINGS in [b["action_id"] for b in buttons(home)]

    # A new win now defaults to "shared with my manager".
    quick_win(bot, "Shared by default")
    with bot.db.transaction() as session:
        assert session.scalars(select(BragEntry)).one().visibility == "manager"


def test_wins_survive_a_restart(
    db: Database, fake_slack: FakeSlack, content: Content, clock: Clock, database_url: str
) -> None:
    settings = make_settings(database_url, fake_slack.api_url)
    first_db = Database.from_url(database_url)
    first, server = start_bot(Deps(settings=settings, db=first_db, content=content, clock=clock), fake_slack, clock)
    try:
        quick_win(first, "Survives restarts")
        before = count(fake_slack, "views.open")
        first.slack.click(ids.WIN_OPEN_MODAL)
        view = opened_view(first, before)
        first.slack.submit_view(view, win_values(what="From the modal too", evidence=["t-ask-for-feedback"]))
    finally:
        server.stop()
        first_db.dispose()

    second_db = Database.from_url(database_url)
    second, server = start_bot(Deps(settings=settings, db=second_db, content=content, clock=clock), fake_slack, clock)
    try:
        text = block_texts(open_home(second))
        assert "Survives restarts" in text and "From the modal too" in text and "Ask for feedback" in text
    finally:
        server.stop()
        second_db.dispose()


def test_home_publish_failure_is_logged_and_the_win_is_kept(bot: RunningBot) -> None:
    bot.fake.error_next("views.publish", "not_enabled")
    bot.slack.command("/win", "Saved even if Home fails")
    assert "Saved to your brag document" in block_texts(bot.slack.responses()[0])
    bot.fake.wait_for("views.publish")
    assert entry_count(bot) == 1


def test_home_is_enrolled_even_for_first_contact(bot: RunningBot) -> None:
    open_home(bot, "U0NEW")
    with bot.db.transaction() as session:
        assert session.scalars(select(Member.slack_user_id)).all() == ["U0NEW"]


def test_enroll_helper_and_home_for_seeded_member(bot: RunningBot) -> None:
    with bot.db.transaction() as session:
        member = enroll(session, "T0001", "U0SEED", bot.clock())
        member.stage = 5
        brag.create_entry(session, bot.deps.content, member, brag.WinInput("Seeded"), now=bot.clock())
    text = block_texts(open_home(bot, "U0SEED"))
    assert "Stage 5: Technical Executive* · the last stage" in text and "Seeded" in text


def test_retried_home_event_and_messages_tab_publish_nothing_more(bot: RunningBot) -> None:
    open_home(bot)
    first = count(bot.fake, "views.publish")
    event = {"type": "app_home_opened", "user": "U0001", "tab": "home", "channel": "D0001"}
    bot.slack.event(event, event_id="EvSAME")
    bot.fake.wait_for("views.publish", first + 1)
    assert bot.slack.event(event, event_id="EvSAME", retry_num=1).status == 200
    assert bot.slack.event({**event, "tab": "messages"}).status == 200
    # Events are handled after their ack; a further visit gives any wrongly published Home time to show up.
    open_home(bot)
    assert count(bot.fake, "views.publish") == first + 2

"""``/stage`` over signed HTTP against the fake Web API and a real database."""

from __future__ import annotations

import pytest

from bot.blocks import ids
from bot.blocks.limits import view_problems
from bot.db.models import Member
from tests.support.bots import RunningBot
from tests.support.brag import count, opened_view, set_stage, view_of, wait_for_call, win_values
from tests.support.driver import block_texts
from tests.support.nudges import action_ids
from tests.support.surfaces import FOLD_CHARS, fallback_problems, measure

EXPECTED = {
    1: ("Task Executor", (5, 25, 70)),
    2: ("Feature Owner", (20, 40, 40)),
    3: ("System Owner", (40, 30, 30)),
    4: ("Domain Owner", (50, 20, 30)),
    5: ("Technical Executive", (40, 10, 50)),
}


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_stage_n_shows_ownership_split_and_exit_criteria(bot: RunningBot, number: int) -> None:
    reply = bot.slack.command("/stage", str(number))
    assert reply.status == 200
    [response] = bot.slack.responses()
    text = block_texts(response)
    name, (architecture, implementation, delivery) = EXPECTED[number]
    assert f"Stage {number}: {name}" in text
    assert f"*{architecture}%*" in text and f"*{implementation}%*" in text and f"*{delivery}%*" in text
    assert "Exit criteria" in text
    for criterion in bot.deps.content.stage(number).exit_criteria:
        assert criterion.text in text
    assert action_ids(response) == [ids.STAGE_SET_MINE, ids.STAGE_FULL_GUIDE]
    shown = measure(f"/stage {number}", response)
    assert shown.chars <= FOLD_CHARS, shown
    assert fallback_problems(shown.fallback) == []
    assert response.get("response_type", "ephemeral") == "ephemeral"


def test_stage_one_carries_the_thirty_minute_rule_in_its_full_guide(bot: RunningBot) -> None:
    bot.slack.command("/stage", "1")
    answer = bot.slack.responses()[0]
    assert ids.STAGE_FULL_GUIDE in action_ids(answer)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.STAGE_FULL_GUIDE, "1")
    guide = opened_view(bot, before)
    assert view_problems(guide) == []
    text = block_texts(guide)
    assert "30 minutes" in text and "Your manager's involvement" in text
    # Its next button moves the same modal to Stage 2's guide.
    before_update = count(bot.fake, "views.update")
    bot.slack.click(ids.STAGE_FULL_GUIDE, "2", view=guide)
    moved = view_of(wait_for_call(bot.fake, "views.update", before_update))
    assert "Stage 2 guide" in moved["title"]["text"]


def test_stage_by_name_case_insensitive_and_partial(bot: RunningBot) -> None:
    bot.slack.command("/stage", "feature owner")
    assert "Stage 2: Feature Owner" in block_texts(bot.slack.responses()[0])
    bot.slack.command("/stage", "SYSTEM")
    assert "Stage 3: System Owner" in block_texts(bot.slack.responses()[0])


def test_unknown_stage_gets_a_helpful_message(bot: RunningBot) -> None:
    bot.slack.command("/stage", "9")
    text = block_texts(bot.slack.responses()[0])
    assert "I don't know a stage called “9”" in text
    assert "/stage 1" in text and "/stage principles" in text


def test_unknown_text_is_escaped(bot: RunningBot) -> None:
    bot.slack.command("/stage", "<!channel> & co")
    text = block_texts(bot.slack.responses()[0])
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; co" in text


def test_principles_and_tracks(bot: RunningBot) -> None:
    set_stage(bot, 2)
    bot.slack.command("/stage", "principles")
    answer = bot.slack.responses()[0]
    text = block_texts(answer)
    # A Stage 2 engineer reads each principle in its Stage 3 form (where they are heading), one line each.
    for principle in bot.deps.content.roadmap.principles:
        assert f"*{principle.name}*: {principle.stage_3}" in text and principle.stage_1 not in text
    assert measure("/stage principles", answer).chars <= FOLD_CHARS
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.STAGE_PRINCIPLES_GUIDE)
    table = opened_view(bot, before)
    assert view_problems(table) == [] and all(
        p.stage_1 in block_texts(table) for p in bot.deps.content.roadmap.principles
    )
    bot.slack.command("/stage", "tracks")
    text = block_texts(bot.slack.responses()[0])
    assert "Staff Engineer" in text and "Engineering Manager" in text
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.STAGE_TRACKS_GUIDE)
    guide = opened_view(bot, before)
    assert view_problems(guide) == []
    assert "How the tracks differ" in block_texts(guide)


def test_bare_stage_without_one_set_offers_a_way_to_find_it(bot: RunningBot) -> None:
    bot.slack.command("/stage")
    response = bot.slack.responses()[0]
    assert "haven't set your stage" in block_texts(response)
    action_ids = [e["action_id"] for b in response["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids.STAGE_OPEN_ASSESSMENT in action_ids


def test_set_my_stage_by_button_is_remembered(bot: RunningBot) -> None:
    bot.slack.command("/stage", "3")
    bot.slack.responses()
    bot.slack.click(ids.STAGE_SET_MINE, "3")
    saved = bot.slack.responses()[0]
    assert saved["replace_original"] is True
    # One line and the next useful action, not the stage again.
    assert "Stage 3: System Owner* is your stage" in block_texts(saved)
    assert action_ids(saved) == [ids.STAGE_SHOW_MINE, ids.WIN_OPEN_MODAL]
    with bot.db.transaction() as session:
        member = session.query(Member).one()
        assert member.stage == 3
    bot.slack.click(ids.STAGE_SHOW_MINE, "3")
    mine = block_texts(bot.slack.responses()[0])
    assert "*0 of 7* exit criteria have evidence towards Stage 4: Domain Owner" in mine


def test_bare_stage_with_a_stage_set_shows_my_own_progress(bot: RunningBot) -> None:
    set_stage(bot, 2)
    stage = bot.deps.content.stage(2)
    done = stage.exit_criteria[0]
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL)
    bot.slack.submit_view(opened_view(bot, before), win_values(what="Shipped search end to end", evidence=[done.key]))
    bot.slack.command("/stage")
    answer = bot.slack.responses()[0]
    text = block_texts(answer)
    assert f"*1 of {len(stage.exit_criteria)}* exit criteria have evidence" in text
    assert f":white_check_mark: {done.text}" in text
    assert f"Next: a win that shows “{stage.exit_criteria[1].text}”" in text
    assert "How you succeed" not in text  # the guide is a click away, not repeated here

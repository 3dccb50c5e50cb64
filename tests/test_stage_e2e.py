"""``/stage`` over signed HTTP against the fake Web API and a real database."""

from __future__ import annotations

import pytest

from bot.blocks import ids
from bot.db.models import Member
from tests.support.bots import RunningBot
from tests.support.driver import block_texts

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
    assert response.get("response_type", "ephemeral") == "ephemeral"


def test_stage_one_carries_the_thirty_minute_rule(bot: RunningBot) -> None:
    bot.slack.command("/stage", "1")
    text = block_texts(bot.slack.responses()[0])
    assert "30 minutes" in text


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
    bot.slack.command("/stage", "principles")
    text = block_texts(bot.slack.responses()[0])
    for principle in bot.deps.content.roadmap.principles:
        assert principle.name in text
    bot.slack.command("/stage", "tracks")
    text = block_texts(bot.slack.responses()[0])
    assert "Staff Engineer" in text and "Engineering Manager" in text


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
    assert "Saved" in block_texts(saved)
    with bot.db.transaction() as session:
        member = session.query(Member).one()
        assert member.stage == 3
    bot.slack.command("/stage")
    assert "your stage" in block_texts(bot.slack.responses()[0])

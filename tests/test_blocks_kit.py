"""bot/blocks/kit.py applies Slack's limits itself, and bot/blocks/limits.py catches a builder that does not."""

from __future__ import annotations

from bot.blocks.kit import input_block, modal, option_group, text_input
from bot.blocks.limits import view_problems
from bot.blocks.text import option
from bot.webapi.limits import MAX_MODAL_BUTTON, MAX_MODAL_TITLE, MAX_OPTION_GROUP_LABEL


def test_a_modal_cuts_its_title_and_buttons_at_a_word() -> None:
    element = text_input("field", 40, initial="a first draft that is longer than forty characters")
    view = modal(
        "callback",
        "Stage 3 guide for a very long stage name",
        [input_block("block", "Label", element)],
        submit="Save this and everything else",
        close="Cancel",
    )
    assert view["title"]["text"] == "Stage 3 guide for a…"
    assert len(view["title"]["text"]) <= MAX_MODAL_TITLE
    assert len(view["submit"]["text"]) <= MAX_MODAL_BUTTON
    assert len(element["initial_value"]) <= 40
    assert "optional" not in view["blocks"][0]  # absent, not False, unless the builder says
    assert view_problems(view) == []


def test_an_option_group_label_is_cut_and_an_uncut_one_is_caught() -> None:
    label = "Stage 2 exit criteria " * 5
    group = option_group(label, [option("One", "1")])
    assert len(group["label"]["text"]) <= MAX_OPTION_GROUP_LABEL
    uncut = {"label": {"type": "plain_text", "text": label}, "options": group["options"]}
    element = {"type": "multi_static_select", "action_id": "pick", "option_groups": [group]}
    view = modal("callback", "Pick", [input_block("block", "Pick", element)], submit="Save", close="Cancel")
    assert view_problems(view) == []
    element["option_groups"] = [uncut]
    assert view_problems(view) == [
        f"blocks[0](input).element.option_groups[0].label: text is {len(label)} chars (limit {MAX_OPTION_GROUP_LABEL})"
    ]

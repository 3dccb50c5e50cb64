"""bot/blocks/text.py's hand-back of what a person typed when a request fails (busy, database down)."""

from __future__ import annotations

from bot.blocks.text import TYPED_BACK_CHARS, with_typed_back


def test_nothing_typed_leaves_the_text_alone() -> None:
    assert with_typed_back("I'm swamped.", []) == "I'm swamped."


def test_every_line_of_what_was_typed_stays_quoted_and_escaped() -> None:
    text = with_typed_back("I'm swamped.", ["shipped <!channel> fix\n*not* the bot's words", "second"])
    intro, *echo = text.split("\n")
    assert intro == "I'm swamped."
    assert echo[0] == "Here is what you typed, so you can paste it again:"
    assert echo[1:] == ["> shipped &lt;!channel&gt; fix", "> *not* the bot's words", "> second"]


def test_a_long_value_is_cut_at_a_word_within_the_limit() -> None:
    value = "word " * 1000
    [_, _, echoed] = with_typed_back("Down.", [value]).split("\n")
    assert len(echoed) <= len("> ") + TYPED_BACK_CHARS
    assert echoed.endswith("word…")

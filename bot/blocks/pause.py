"""Messages for pausing and resuming nudges."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.blocks.text import message, section, section_message


def pause_set_message(until: date) -> dict[str, Any]:
    text = (
        f":double_vertical_bar: Paused until {until:%A} {until.isoformat()}: no weekly prompts, review "
        "reminders or stuck follow-ups before then. `/coach resume` ends the pause early."
    )
    return message(f"Paused until {until.isoformat()}.", [section(text)])


def pause_problem_message(problem: str) -> dict[str, Any]:
    # ``problem`` is the bot's own wording (PauseInputError), never the person's text.
    return message(problem, [section(f":warning: {problem}")])


def resumed_message(was_paused: bool) -> dict[str, Any]:
    text = (
        ":arrow_forward: Welcome back: nudges are on again."
        if was_paused
        else ":arrow_forward: You weren't paused, so nothing changed: nudges are on."
    )
    return section_message(text)

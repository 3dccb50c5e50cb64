"""Answers to a DM that holds no win: help, a greeting, thanks, a question, nothing to save, a visitor
from another organisation, a win too long."""

from __future__ import annotations

from typing import Any

from bot.blocks.text import message, section

HELP_TEXT = (
    "*Write your wins to me, right here.* Anything you send me is saved as a private win, e.g. "
    "_shipped the retry fix, cut errors 40%_. A list of bullet lines becomes one win per line.\n"
    "• When a win clearly shows an exit criterion I say which; *Confirm* makes it count\n"
    "• *Add detail* adds why it mattered and a link; *Undo* removes it\n"
    "• Reply in the thread of my weekly check-in to answer it\n"
    "• `/coach wins this quarter` or `/coach wins retry` finds old wins; `/stage` shows your stage"
)


def help_message() -> dict[str, Any]:
    return message("Write your wins to me here; each message becomes a win.", [section(HELP_TEXT)])


def greeting_message() -> dict[str, Any]:
    text = (
        ":wave: Hi! Tell me something you did: one line like _fixed the flaky checkout test_ is enough, "
        "and I'll save it as a private win. Send `help` for more."
    )
    return message("Hi! Tell me something you did and I'll save it as a win.", [section(text)])


def thanks_message() -> dict[str, Any]:
    text = ":slightly_smiling_face: Any time. Send me your next win whenever it happens."
    return message("Any time.", [section(text)])


QUESTION_HELP = (
    "That looks like a question, so I didn't save it as a win. How things work:\n"
    "• *Share a win with your manager*: name them once with `/coach manager @them`, then pick who sees each "
    "win when you save it (wins are private until you do)\n"
    "• *Your stage*: `/stage` shows where you stand; `/stage 3` any stage\n"
    "• *Your review*: `/feedback-questions` prepares it and sets its date\n"
    "• Everything else: `/coach help`. To save this as a win anyway, send it without the question mark."
)


def question_message() -> dict[str, Any]:
    """A question in the DM is usually about the bot itself: answer with how it works (a "coach, not a search
    engine" reply left "how do I share a win with my manager?" unanswered, issue #22)."""
    return message(
        "That looks like a question, so I didn't save it as a win. Here's how things work.", [section(QUESTION_HELP)]
    )


def nothing_saved_message(reason: str) -> dict[str, Any]:
    """The answer to a DM that held nothing to save: emoji only, an "ok", a file without a word."""
    texts = {
        "no_words": (
            ":thinking_face: I saved nothing: that message has no words in it, only emoji, symbols or "
            "invisible characters. Tell me what you did, e.g. _fixed the flaky checkout test_, and I'll save it."
        ),
        "acknowledgement": (
            ":ok_hand: Noted; I saved nothing. When something goes well, tell me what you did and I'll save it."
        ),
        "empty": (
            ":thinking_face: I saved nothing: I can't read files or images, and the message had no text. "
            "Send a line about what it shows and I'll save that as a win."
        ),
    }
    text = texts[reason]
    return message(text.split(": ", 1)[1] if reason != "acknowledgement" else "Noted; nothing saved.", [section(text)])


def external_user_message() -> dict[str, Any]:
    """To someone of another organisation (Slack Connect): this bot keeps no account for them."""
    text = (
        ":wave: Hi! I'm Stagecoach, installed for the people of this workspace, and you're visiting from "
        "another organisation, so I keep nothing for you and nothing you sent was saved. If your own "
        "workspace installs Stagecoach, I'll be glad to help there."
    )
    return message("I only keep wins for people of the workspace I'm installed in; nothing was saved.", [section(text)])


def too_long_message(limit: int) -> dict[str, Any]:
    text = (
        f":warning: One of those wins is longer than {limit:,} characters, so nothing was saved. "
        "Your message is still here above: send a shorter version, or use `/win` for the form."
    )
    return message(f"A win is longer than {limit:,} characters; nothing was saved.", [section(text)])

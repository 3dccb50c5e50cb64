"""What a message written to the bot is: greetings, "help" and questions get an answer, not a win; anything
else is a win, and a message of bullet lines is one win per bullet."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

MAX_WINS_PER_MESSAGE = 50
"""Bullet lines saved from one message, each as a win. A week's list is a handful; 50 is a long quarter
pasted at once, saved in one transaction with its evidence suggestions (median of 7: 15 ms on SQLite,
26 ms on PostgreSQL, measured).
Lines past it are not saved, and the answer says which (:attr:`Card.not_saved`): folding them into the
last win (as before) made a 100-line list of 35-character bullets one 2,800-character win, over the
2,000 a win may hold, so nothing at all was saved."""


class MessageKind(enum.StrEnum):
    WINS = "wins"
    GREETING = "greeting"
    THANKS = "thanks"
    HELP = "help"
    QUESTION = "question"
    ACKNOWLEDGEMENT = "acknowledgement"
    """"ok", "cool", "👍": a reply to the bot, not a win."""
    NO_WORDS = "no_words"
    """Emoji, symbols or invisible characters only ("🎉", a zero-width joiner, an RTL override)."""
    EMPTY = "empty"
    """No text at all (a file shared without a comment)."""


_BULLET = re.compile(r"^\s*(?:[-*•◦‣–]|\d{1,2}[.)])\s+(.*\S)\s*$")
_WORDS = re.compile(r"[a-z']+")
GREETINGS = frozenset(
    {
        "hi",
        "hey",
        "hello",
        "hiya",
        "yo",
        "howdy",
        "morning",
        "good morning",
        "good afternoon",
        "good evening",
        "hi there",
        "hey there",
        "hello there",
        "sup",
        "what's up",
        "whats up",
        "gm",
    }
)
ACKNOWLEDGEMENTS = frozenset(
    {"ok", "okay", "k", "kk", "ok thanks", "cool", "nice", "great", "got it", "sounds good", "sure", "yes", "yep"}
    | {"no", "nope", "lol", "haha", "noted", "alright", "all right", "done", "ack", "np", "no problem", "fine"}
)
THANKS = frozenset({"thanks", "thank you", "thx", "ty", "cheers", "thanks a lot", "thank you so much", "great thanks"})
HELP = frozenset(
    {
        "help",
        "?",
        "what can you do",
        "how does this work",
        "how do i use this",
        "commands",
        "usage",
        "menu",
        "what do you do",
        "how does it work",
    }
)
_QUESTION_START = frozenset(
    {
        "what",
        "how",
        "why",
        "when",
        "where",
        "who",
        "which",
        "can",
        "could",
        "should",
        "is",
        "are",
        "do",
        "does",
        "will",
        "would",
    }
)


@dataclass(frozen=True)
class ParsedMessage:
    kind: MessageKind
    wins: tuple[str, ...] = ()
    """At most :data:`MAX_WINS_PER_MESSAGE`."""
    not_saved: tuple[str, ...] = ()
    """Lines past :data:`MAX_WINS_PER_MESSAGE`, in order: not saved, and the answer says so."""


_EMOJI = re.compile(r":[a-z0-9_+'-]+:")


def _normal(text: str) -> str:
    """Lower-case words only: emoji codes (``:wave:``) and punctuation dropped."""
    return " ".join(_WORDS.findall(_EMOJI.sub(" ", text.lower().replace("’", "'"))))


def split_wins(text: str) -> list[str]:
    """One win per bullet line when the message is a list; otherwise the whole message is one win.

    A line before the first bullet that ends with ":" ("This week:") is a heading, not a win; a
    non-bullet line after a bullet continues it.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    bullets = [_BULLET.match(line) for line in lines]
    if sum(1 for b in bullets if b) < 2:
        return [text.strip()] if text.strip() else []
    wins: list[str] = []
    for line, bullet in zip(lines, bullets, strict=True):
        if bullet:
            wins.append(bullet.group(1).strip())
        elif wins:
            wins[-1] = f"{wins[-1]} {line.strip()}"
        elif not line.strip().endswith(":"):
            wins.append(line.strip())
    return wins


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit once emoji codes (``:tada:``) are dropped.

    Emoji ("🎉" is So, skin tones Sk), punctuation and the invisible format characters (Cf: zero-width
    joiners, RTL overrides, the BOM) are not words: a win made of them says nothing a reader could use.
    """
    return any(unicodedata.category(c)[0] in "LN" for c in _EMOJI.sub(" ", text))


def parse_message(text: str) -> ParsedMessage:
    stripped = text.strip()
    if not stripped:
        return ParsedMessage(MessageKind.EMPTY)
    if not has_words(stripped):
        return ParsedMessage(MessageKind.NO_WORDS)
    normal = _normal(stripped)
    if normal in HELP or stripped == "?":
        return ParsedMessage(MessageKind.HELP)
    if normal in GREETINGS or (normal.split(" ")[0] in {"hi", "hey", "hello"} and len(normal.split()) <= 3):
        return ParsedMessage(MessageKind.GREETING)
    if normal in THANKS:
        return ParsedMessage(MessageKind.THANKS)
    if normal in ACKNOWLEDGEMENTS:
        return ParsedMessage(MessageKind.ACKNOWLEDGEMENT)
    wins = split_wins(stripped)
    first_word = normal.split(" ")[0] if normal else ""
    if len(wins) == 1 and stripped.endswith("?") and (first_word in _QUESTION_START or "\n" not in stripped):
        return ParsedMessage(MessageKind.QUESTION)
    if not wins:
        return ParsedMessage(MessageKind.EMPTY)
    return ParsedMessage(MessageKind.WINS, tuple(wins[:MAX_WINS_PER_MESSAGE]), tuple(wins[MAX_WINS_PER_MESSAGE:]))

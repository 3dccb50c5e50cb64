"""Small text helpers every builder uses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bot.webapi.limits import (
    MAX_ACTION_ELEMENTS,
    MAX_BUTTON_TEXT,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_CONTEXT_ELEMENTS,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_OPTION_TEXT,
    MAX_SECTION_TEXT,
)


def escape(text: str) -> str:
    """Escape user text for mrkdwn: Slack's three control characters only.

    With ``<`` and ``>`` escaped, nothing a user typed can become ``<!channel>``,
    ``<!here>``, a user mention or a disguised link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks, U+2028/U+2029 separators, tabs) as one space.

    For user text inside a line of a message whose lines mean something (a digest's report headings):
    a win typed as "done\n*Ana* · Senior" must not start a line that looks like another report's heading.
    """
    return " ".join(text.split())


WORD_BACKTRACK = 20
"""How far back a cut looks for a space: "…pair, r…" read as a typo (issue #22), so a label is cut at the
last word that fits unless that loses more than 20 characters (one long word, a URL)."""


def truncate(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut after a whole word where one ends near the limit."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    space = cut.rfind(" ")
    if space > 0 and len(cut) - space <= WORD_BACKTRACK and not text[len(cut)].isspace():
        cut = cut[:space]
    return cut.rstrip().rstrip(",;:") + "…"


def quoted(text: str, limit: int) -> str:
    """User text as an escaped mrkdwn block quote (cut first, then escaped, so no entity is split)."""
    return "\n".join(f"> {line}" for line in escape(truncate(text.strip(), limit)).splitlines() or [""])


TYPED_BACK_CHARS = 1000
"""Characters of each typed value a failure hands back, cut at a word: a modal of four 3,000-character
fields comes back as one answer of about 4,000 characters, not 12,000."""


def with_typed_back(text: str, typed: list[str]) -> str:
    """``text``, then what the person typed, quoted, so that a failure (busy, database down) loses none of it.

    Every line of a value stays inside the quote: a value typed over several lines read, after its first,
    as the bot's own words when only that first line was quoted.
    """
    if not typed:
        return text
    echoed = "\n".join(quoted(value, TYPED_BACK_CHARS) for value in typed)
    return f"{text}\nHere is what you typed, so you can paste it again:\n{echoed}"


def bar(done: int, total: int, width: int = 10) -> str:
    """A text progress bar, e.g. ``▰▰▰▱▱▱▱▱▱▱``."""
    if total <= 0:
        return "▱" * width
    filled = round(width * min(done, total) / total)
    return "▰" * filled + "▱" * (width - filled)


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int = MAX_HEADER_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(truncate(text, MAX_SECTION_TEXT))}


def sections(heading: str, lines: list[str]) -> list[dict[str, Any]]:
    """A heading and lines as one or more sections, each within Slack's 3,000 characters."""
    blocks: list[dict[str, Any]] = []
    current = heading
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION_TEXT and current:
            blocks.append(section(current))
            current = truncate(line, MAX_SECTION_TEXT)
        else:
            current = candidate
    if current:
        blocks.append(section(current))
    return blocks


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text)}


def context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [mrkdwn(truncate(t, MAX_SECTION_TEXT)) for t in texts[:MAX_CONTEXT_ELEMENTS]],
    }


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, MAX_BUTTON_TEXT), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)[:MAX_ACTION_ELEMENTS]}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, MAX_OPTION_TEXT), "value": value}


def confirm_dialog(title: str, text: str, confirm: str, deny: str = "Cancel") -> dict[str, Any]:
    return {
        "title": plain(title, MAX_CONFIRM_TITLE),
        "text": mrkdwn(truncate(text, MAX_CONFIRM_TEXT)),
        "confirm": plain(confirm, MAX_CONFIRM_BUTTON),
        "deny": plain(deny, MAX_CONFIRM_BUTTON),
        "style": "danger",
    }


_EMOJI_CODE = re.compile(r"\s?:[a-z0-9_+'-]+:(?=\s|$|[.,;!?])")
_MARKS = [re.compile(rf"(?<![\w{m}]){m}(?=\S)([^{m}\n]+?)(?<=\S){m}(?![\w{m}])") for m in (r"\*", "_", "~", "`")]


def notification_text(text: str) -> str:
    """``text`` as a push notification shows it: no emoji codes (``:ok_hand:``), no mrkdwn marks
    (``*the team channel*``), which a lock screen prints as typed (issue #22)."""
    plain_text = _EMOJI_CODE.sub("", text)
    for mark in _MARKS:
        plain_text = mark.sub(r"\1", plain_text)
    return plain_text.strip()


def message(text: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A message payload: ``text`` is the notification/fallback (read as a push notification, so plain),
    ``blocks`` what people see."""
    return {"text": truncate(notification_text(text), MAX_MESSAGE_TEXT), "blocks": blocks}


def section_message(text: str) -> dict[str, Any]:
    """A one-section message whose notification says the same words (emoji codes and marks removed)."""
    return message(text, [section(text)])


def json_object(raw: str | None) -> dict[str, Any]:
    """A button value or ``private_metadata`` read back as a JSON object; anything else is ``{}``."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

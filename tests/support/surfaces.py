"""Measuring what a person sees of a message or view, against the budgets of issue #22.

Slack's guidance is "keep text segments bite-sized", few button choices, the most important content at
the top of Home, and notifications that read well on a lock screen. These helpers turn a payload into the
figures a test can hold to a budget: characters before the fold, buttons, blocks, and whether the
``text`` fallback (what a push notification shows) carries mrkdwn marks or emoji codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FOLD_CHARS = 700
"""An ephemeral answer or a DM shows at most about this many characters before any "More"."""
MAX_CARD_BUTTONS = 4
"""A card offers at most this many buttons; the rest go in an overflow menu."""

_EMOJI = re.compile(r":[a-z0-9_+\-]+:")
_BOLD = re.compile(r"(^|\s)\*[^*\s][^*]*\*")
_ITALIC = re.compile(r"(^|\s)_[^_\s][^_]*_(\s|$|[.,;!?])")
_CODE = re.compile(r"`")
_MARKUP = re.compile(r"<![^>]*>|<https?://[^>]*>")
"""Broadcasts and raw links print as typed; a mention (``<@U…>``, ``<#C…>``) shows as a name, so it is fine."""


def _texts(node: Any, into: list[str], *, skip_elements: bool) -> None:
    if isinstance(node, dict):
        if skip_elements and node.get("type") in {"button", "overflow", "static_select", "datepicker"}:
            return
        text = node.get("text")
        if isinstance(text, str) and node.get("type") in {"mrkdwn", "plain_text"}:
            into.append(text)
        for key, value in node.items():
            if key != "text" or isinstance(value, dict):
                _texts(value, into, skip_elements=skip_elements)
    elif isinstance(node, list):
        for item in node:
            _texts(item, into, skip_elements=skip_elements)


def visible_chars(blocks: list[dict[str, Any]]) -> int:
    """Characters of the text a reader meets in ``blocks`` (controls' labels aside)."""
    texts: list[str] = []
    _texts(blocks, texts, skip_elements=True)
    return sum(len(text) for text in texts)


def controls(blocks: list[dict[str, Any]]) -> tuple[int, int]:
    """(buttons, other controls: overflow menus, selects, date pickers) in ``blocks``."""
    buttons = others = 0
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if kind == "button":
                buttons += 1
            elif kind in {"overflow", "static_select", "datepicker", "users_select", "channels_select"}:
                others += 1
    return buttons, others


def fallback_problems(text: str) -> list[str]:
    """Why ``text`` would read badly as a push notification (empty list: it reads well)."""
    problems = []
    if not text.strip():
        problems.append("empty")
    if _EMOJI.search(text):
        problems.append(f"emoji code {_EMOJI.search(text)!r}")
    if _BOLD.search(text) or _ITALIC.search(text) or _CODE.search(text):
        problems.append("mrkdwn marks")
    if _MARKUP.search(text):
        problems.append("raw Slack markup")
    return problems


@dataclass(frozen=True)
class Surface:
    name: str
    chars: int
    buttons: int
    other_controls: int
    blocks: int
    fallback: str

    def row(self) -> str:
        return f"| {self.name} | {self.chars} | {self.buttons} | {self.other_controls} | {self.blocks} |"


def measure(name: str, payload: dict[str, Any]) -> Surface:
    """A message (``text`` and ``blocks``) or a view (``blocks``), measured."""
    blocks = list(payload.get("blocks") or [])
    buttons, others = controls(blocks)
    fallback = payload.get("text") if isinstance(payload.get("text"), str) else ""
    return Surface(name, visible_chars(blocks), buttons, others, len(blocks), str(fallback))


def table(surfaces: list[Surface]) -> str:
    head = "| surface | characters | buttons | other controls | blocks |\n| --- | --- | --- | --- | --- |"
    return "\n".join([head, *(s.row() for s in surfaces)])

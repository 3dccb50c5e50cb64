"""Block Kit structures every builder repeats: a modal, an input block, a text input, an option group.

Each applies Slack's limits (``bot/webapi/limits.py``) itself, so a builder cannot forget one: a modal's
title, submit and close are cut at a whole word within 24 characters, a text input's initial value within
its ``max_length`` (Slack refuses ``views.open`` past either). Keys are set only when given, so a view is
exactly what the builder asked for (``optional`` absent is Slack's default, not ``False``).
"""

from __future__ import annotations

from typing import Any

from bot.blocks.text import mrkdwn, plain, truncate
from bot.webapi.limits import (
    MAX_FIELD_TEXT,
    MAX_MODAL_BUTTON,
    MAX_MODAL_TITLE,
    MAX_OPTION_GROUP_LABEL,
    MAX_OVERFLOW_OPTIONS,
    MAX_SECTION_FIELDS,
)


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict[str, Any]],
    *,
    close: str,
    submit: str | None = None,
    private_metadata: str | None = None,
) -> dict[str, Any]:
    """A modal view; ``submit`` only where it has inputs to send (Slack refuses inputs without one)."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MAX_MODAL_TITLE),
    }
    if submit is not None:
        view["submit"] = plain(submit, MAX_MODAL_BUTTON)
    view["close"] = plain(close, MAX_MODAL_BUTTON)
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    view["blocks"] = blocks
    return view


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    """An input block around ``element`` (a text input, select, radio buttons, date picker...)."""
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label)}
    if optional is not None:
        block["optional"] = optional
    if hint:
        block["hint"] = plain(hint)
    block["element"] = element
    return block


def text_input(
    action_id: str,
    max_length: int,
    *,
    initial: str | None = None,
    multiline: bool | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A ``plain_text_input``; what it starts with is cut to ``max_length`` (Slack refuses a longer one)."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id}
    if multiline is not None:
        element["multiline"] = multiline
    element["max_length"] = max_length
    if initial:
        element["initial_value"] = truncate(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def option_group(label: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    """A labelled group of a select's options."""
    return {"label": plain(label, MAX_OPTION_GROUP_LABEL), "options": options}


def fields(*texts: str) -> dict[str, Any]:
    """A section of mrkdwn fields side by side, each within Slack's 2,000 characters (at most 10 of them)."""
    return {
        "type": "section",
        "fields": [mrkdwn(truncate(text, MAX_FIELD_TEXT)) for text in texts[:MAX_SECTION_FIELDS]],
    }


def overflow(action_id: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    """An overflow menu ("⋯"): Slack takes at most 5 options in one."""
    return {"type": "overflow", "action_id": action_id, "options": options[:MAX_OVERFLOW_OPTIONS]}

"""Block Kit's limits as a checker: every builder's output is run through it in the tests."""

from __future__ import annotations

import json
from typing import Any

from bot.webapi.limits import (
    MAX_ACTION_ELEMENTS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_ID,
    MAX_INPUT_LABEL,
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_BUTTON,
    MAX_MODAL_TITLE,
    MAX_OPTION_GROUP_LABEL,
    MAX_OPTION_TEXT,
    MAX_OPTIONS,
    MAX_PRIVATE_METADATA,
    MAX_SECTION_FIELDS,
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
)


def _check_text(problems: list[str], where: str, obj: dict[str, Any] | None, limit: int) -> None:
    if obj is None:
        return
    text = obj.get("text", "")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: empty text")
    elif len(text) > limit:
        problems.append(f"{where}: text is {len(text)} chars (limit {limit})")


def _check_element(problems: list[str], where: str, element: dict[str, Any]) -> None:
    kind = element.get("type")
    if "action_id" in element and len(element["action_id"]) > MAX_ID:
        problems.append(f"{where}: action_id too long")
    if kind == "button":
        _check_text(problems, f"{where}.text", element.get("text"), MAX_BUTTON_TEXT)
        if len(element.get("value", "")) > MAX_BUTTON_VALUE:
            problems.append(f"{where}: button value too long")
    options = element.get("options", [])
    if len(options) > MAX_OPTIONS:
        problems.append(f"{where}: {len(options)} options (limit {MAX_OPTIONS})")
    for index, opt in enumerate(options):
        _check_text(problems, f"{where}.options[{index}]", opt.get("text"), MAX_OPTION_TEXT)
    for g_index, group in enumerate(element.get("option_groups", [])):
        _check_text(problems, f"{where}.option_groups[{g_index}].label", group.get("label"), MAX_OPTION_GROUP_LABEL)
        for index, opt in enumerate(group.get("options", [])):
            _check_text(problems, f"{where}.option_groups.options[{index}]", opt.get("text"), MAX_OPTION_TEXT)


def _check_blocks(problems: list[str], blocks: list[dict[str, Any]], limit: int) -> None:
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks (limit {limit})")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]({block.get('type')})"
        kind = block.get("type")
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: section without text or fields")
            _check_text(problems, where, block.get("text"), MAX_SECTION_TEXT)
            fields = block.get("fields", [])
            if len(fields) > MAX_SECTION_FIELDS:
                problems.append(f"{where}: {len(fields)} fields")
            for f_index, field in enumerate(fields):
                _check_text(problems, f"{where}.fields[{f_index}]", field, MAX_FIELD_TEXT)
            if "accessory" in block:
                _check_element(problems, f"{where}.accessory", block["accessory"])
        elif kind == "header":
            _check_text(problems, where, block.get("text"), MAX_HEADER_TEXT)
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                problems.append(f"{where}: {len(elements)} context elements")
            for e_index, element in enumerate(elements):
                if element.get("type") in {"mrkdwn", "plain_text"}:
                    _check_text(problems, f"{where}.elements[{e_index}]", element, MAX_SECTION_TEXT)
        elif kind == "actions":
            elements = block.get("elements", [])
            if not elements or len(elements) > MAX_ACTION_ELEMENTS:
                problems.append(f"{where}: {len(elements)} action elements")
            action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(action_ids) != len(set(action_ids)):
                problems.append(f"{where}: duplicate action_id in one block")
            for e_index, element in enumerate(elements):
                _check_element(problems, f"{where}.elements[{e_index}]", element)
        elif kind == "input":
            _check_text(problems, f"{where}.label", block.get("label"), MAX_INPUT_LABEL)
            _check_element(problems, f"{where}.element", block.get("element", {}))
        if len(block.get("block_id", "")) > MAX_ID:
            problems.append(f"{where}: block_id too long")


def message_problems(payload: dict[str, Any]) -> list[str]:
    """What in a chat message (or ephemeral response) breaks Slack's limits."""
    problems: list[str] = []
    if not payload.get("text") and not payload.get("blocks"):
        problems.append("message without text or blocks")
    _check_blocks(problems, payload.get("blocks", []), MAX_MESSAGE_BLOCKS)
    json.dumps(payload)
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """What in a modal or Home tab view breaks Slack's limits."""
    problems: list[str] = []
    kind = view.get("type")
    if kind == "modal":
        _check_text(problems, "title", view.get("title"), MAX_MODAL_TITLE)
        _check_text(problems, "submit", view.get("submit"), MAX_MODAL_BUTTON)
        _check_text(problems, "close", view.get("close"), MAX_MODAL_BUTTON)
        has_input = any(b.get("type") == "input" for b in view.get("blocks", []))
        if has_input and "submit" not in view:
            problems.append("modal with inputs but no submit button")
    elif kind != "home":
        problems.append(f"unknown view type {kind!r}")
    if len(view.get("private_metadata", "")) > MAX_PRIVATE_METADATA:
        problems.append("private_metadata too long")
    if len(view.get("callback_id", "")) > MAX_ID:
        problems.append("callback_id too long")
    _check_blocks(problems, view.get("blocks", []), MAX_VIEW_BLOCKS)
    json.dumps(view)
    return problems

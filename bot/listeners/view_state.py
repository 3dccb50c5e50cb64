"""Reading a submitted modal's state: ``view.state.values[block_id][action_id]``."""

from __future__ import annotations

from typing import Any


def _element(view: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})
    element = (values.get(block_id) or {}).get(action_id) or {}
    return element if isinstance(element, dict) else {}


def text_value(view: dict[str, Any], block_id: str, action_id: str) -> str:
    """A plain_text_input's value ("" when left empty)."""
    value = _element(view, block_id, action_id).get("value")
    return value if isinstance(value, str) else ""


def selected_value(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """A static_select's or radio_buttons' chosen value."""
    chosen = _element(view, block_id, action_id).get("selected_option") or {}
    value = chosen.get("value") if isinstance(chosen, dict) else None
    return value if isinstance(value, str) else None


def selected_values(view: dict[str, Any], block_id: str, action_id: str) -> list[str]:
    """A multi-select's or checkboxes' chosen values."""
    chosen = _element(view, block_id, action_id).get("selected_options") or []
    return [o["value"] for o in chosen if isinstance(o, dict) and isinstance(o.get("value"), str)]


def selected_time(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """A timepicker's ``HH:MM``."""
    value = _element(view, block_id, action_id).get("selected_time")
    return value if isinstance(value, str) else None

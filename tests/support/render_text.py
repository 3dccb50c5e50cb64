"""Block Kit as plain text: what a person would read on a Home tab or in a message, for reports and reviews.

Not a Slack renderer: mrkdwn marks (*bold*, _italic_, `code`) stay as typed; entities and Slack's
special links are resolved to what Slack shows (``<!date^…|fallback>`` → fallback, ``&amp;`` → ``&``).
"""

from __future__ import annotations

import re
from typing import Any

_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_LABELLED = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def _inline(text: str) -> str:
    text = _DATE.sub(r"\1", text)
    text = _LABELLED.sub(r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(node: Any) -> str:
    if isinstance(node, dict):
        return _inline(str(node.get("text", "")))
    return ""


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'))}]"
    if kind in {"static_select", "multi_static_select", "radio_buttons", "checkboxes"}:
        chosen = element.get("initial_option") or {}
        return f"<{kind}: {_text(chosen.get('text')) or 'nothing chosen'}>"
    if kind in {"mrkdwn", "plain_text"}:
        return _inline(str(element.get("text", "")))
    return f"<{kind}>"


def render_blocks(blocks: list[dict[str, Any]], width: int = 100) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"))
            out += ["", title.upper(), "=" * min(width, len(title))]
        elif kind == "section":
            out.append(_text(block.get("text")))
            for field in block.get("fields", []):
                out.append("  " + _text(field))
            if block.get("accessory"):
                out.append("  " + _element(block["accessory"]))
        elif kind == "context":
            out.append("  ".join("(" + _element(e) + ")" for e in block.get("elements", [])))
        elif kind == "actions":
            out.append(" ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "divider":
            out.append("-" * width)
        elif kind == "input":
            out.append(f"{_text(block.get('label'))}: {_element(block.get('element', {}))}")
        else:
            out.append(f"<{kind} block>")
    return "\n".join(out).strip() + "\n"


def render_view(view: dict[str, Any]) -> str:
    """A Home tab or modal (``{"type": "home", "blocks": [...]}``) as plain text."""
    return render_blocks(list(view.get("blocks", [])))

"""The brag document in Slack: confirmations, decided / proposed / learned, and the answers to bad input.

The win modal itself is in ``bot/blocks/win_form.py``; who a win reaches in ``bot/blocks/audience.py``.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.audience import VISIBILITY_ICONS, audience_sentence
from bot.blocks.kit import modal
from bot.blocks.text import actions, button, context, escape, message, quoted, section, truncate
from bot.blocks.win_form import SIGNAL_LABELS

# Moved to bot/blocks/win_form.py in issue 26; re-exported until bot/slack/win_form.py and the listeners
# (part C) import them from there.
from bot.blocks.win_form import WinDraft as WinDraft
from bot.blocks.win_form import WinMetadata as WinMetadata
from bot.blocks.win_form import decode_metadata as decode_metadata
from bot.blocks.win_form import win_modal as win_modal
from bot.services.brag import MAX_WHAT, Audience, EntrySummary
from bot.services.items import Item
from bot.services.signals import LIST_TITLES, NONE_SIGNAL
from content import Content

ECHO_CHUNK = 2800
ECHO_MAX_BLOCKS = 40


# -- answers -----------------------------------------------------------------------------------


def _entry_facts(content: Content, entry: EntrySummary, audience: Audience | None = None) -> str:
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    who = audience_sentence(entry.visibility, audience)
    facts = f"{icon} {who}"
    if entry.evidence_keys:
        labels = [truncate(content.evidence_label(key) or key, 60) for key in entry.evidence_keys]
        facts += " · :dart: Evidence for: " + "; ".join(labels)
    return facts


def win_saved_view(
    content: Content,
    entry: EntrySummary,
    growth: list[dict[str, Any]] | None = None,
    audience: Audience | None = None,
) -> dict[str, Any]:
    """What the modal turns into after a new win is saved."""
    return modal(
        ids.WIN_MODAL,
        "Win saved",
        [
            section(f":white_check_mark: *Saved to your brag document.*\n{quoted(entry.what, 1500)}"),
            context(_entry_facts(content, entry, audience)),
            *_suggestion_blocks(content, entry),
            *(growth or []),
            context("Find it on my *Home* tab; `/coach export` gives you the whole document."),
        ],
        close="Done",
    )


def _suggestion_blocks(content: Content, entry: EntrySummary) -> list[dict[str, Any]]:
    """Suggested evidence, each with its own Confirm (and undo), for a saved win."""
    if not entry.suggested_keys:
        return []
    return [*suggestion_sections(content, entry), actions(button("Undo", ids.WIN_UNDO, str(entry.id)))]


def confirm_value(entry_id: int, key: str) -> str:
    """A Confirm button's value: the win and the one suggestion it confirms (``12:s1-debug-systematically``)."""
    return f"{entry_id}:{key}"


def parse_confirm_value(raw: object) -> tuple[int | None, str | None]:
    """``(entry id, evidence key)`` from a Confirm button's value; Nones for anything malformed."""
    entry, _, key = str(raw or "").partition(":")
    if not entry.isdigit() or int(entry) <= 0 or not key or len(key) > 64:
        return None, None
    return int(entry), key


def suggestion_sections(content: Content, entry: EntrySummary) -> list[dict[str, Any]]:
    """One section per suggestion (at most two), each with a Confirm button for that suggestion alone:
    one tap never confirms more than the person read."""
    blocks = []
    for index, key in enumerate(entry.suggested_keys):
        label = escape(truncate(content.evidence_label(key) or key, 120))
        block = section(f":mag: *Looks like evidence for:* {label}")
        block["block_id"] = f"{ids.WIN_SUGGESTION_BLOCK_PREFIX}{entry.id}_{index}"
        block["accessory"] = button("Confirm", ids.WIN_EVIDENCE_CONFIRM, confirm_value(entry.id, key))
        blocks.append(block)
    return blocks


def _escaped_chunks(text: str, size: int) -> list[str]:
    """``text`` escaped and cut into pieces of at most ``size`` characters, never inside an entity."""
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for char in text:
        piece = escape(char)
        if length + len(piece) > size:
            chunks.append("".join(current))
            current, length = [], 0
        current.append(piece)
        length += len(piece)
    if current:
        chunks.append("".join(current))
    return chunks


def win_too_long_message(text: str, limit: int = MAX_WHAT) -> dict[str, Any]:
    """``/win`` text over the limit: say so, give every character back, offer the roomier form."""
    text = text.strip()
    intro = (
        f":warning: That's {len(text):,} characters; `/win` takes up to {limit:,}. *Nothing was saved*, "
        "so here is your text to copy. The form has room for a short version plus why it mattered."
    )
    chunks = _escaped_chunks(text, ECHO_CHUNK)
    shown = chunks[:ECHO_MAX_BLOCKS]
    blocks: list[dict[str, Any]] = [section(intro)]
    blocks += [section(f"```{chunk}```") for chunk in shown]
    if len(shown) < len(chunks):
        blocks.append(context(f"(Only the first {len(shown) * ECHO_CHUNK:,} or so characters fit in one message.)"))
    blocks.append(actions(button("Open the form", ids.WIN_OPEN_MODAL, style="primary")))
    return message(f"That's {len(text):,} characters; /win takes up to {limit:,}. Nothing was saved.", blocks)


def win_usage_message() -> dict[str, Any]:
    blocks = [
        section(
            "*Record your wins as they happen*\n"
            "• `/win shipped the billing export` saves it at once (private unless you choose otherwise)\n"
            "• `/win` on its own opens a form: what, why it mattered, what you'd do differently, "
            "a link, and which exit criteria it is evidence for\n"
            "• *Save as win* in any message's ⋯ menu saves that message (a thank-you counts!)"
        ),
        actions(button("Record a win", ids.WIN_OPEN_MODAL, style="primary")),
    ]
    return message("/win [what you did]: record a win in your brag document.", blocks)


NOT_YOUR_ENTRY_TEXT = "That win isn't in your brag document (it may have been deleted). Nothing was changed."


def not_your_entry_message() -> dict[str, Any]:
    return message(NOT_YOUR_ENTRY_TEXT, [section(f":no_entry: {NOT_YOUR_ENTRY_TEXT}")])


def problem_message(text: str) -> dict[str, Any]:
    return message(text, [section(f":warning: {text}")])


def open_failed_message(retry: str = "click again", opening: str = "the form") -> dict[str, Any]:
    """Slack refused to open a modal (its trigger expired, or Slack is struggling): say how to try again."""
    return problem_message(f"I couldn't open {opening} just now. Please {retry}.")


# -- decide / propose / learn ------------------------------------------------------------------

SIGNAL_ICONS = {"decided": ":compass:", "proposed": ":bulb:", "learned": ":books:"}
SIGNAL_ACTIONS = {
    "decided": ids.WIN_SIGNAL_DECIDED,
    "proposed": ids.WIN_SIGNAL_PROPOSED,
    "learned": ids.WIN_SIGNAL_LEARNED,
    NONE_SIGNAL: ids.WIN_SIGNAL_NONE,
}


def signal_line(signal: str | None, item: Item | None, stage: int | None, chosen: bool = True) -> str:
    """``:compass: Decided · counts for You decide: When to ship`` (or why it counts for nothing yet).

    A signal guessed from the text (not ``chosen``) says so, and counts for nothing until the person taps it."""
    if signal not in SIGNAL_LABELS:
        return "Not tagged as decided, proposed or learned."
    line = f"{SIGNAL_ICONS[signal]} *{signal.capitalize()}*" + ("" if chosen else " (my guess from your words)")
    if item is not None and not chosen:
        ahead = " (next stage)" if stage is not None and item.stage != stage else ""
        line += (
            f" · would count for _{LIST_TITLES[item.list_name]}{ahead}: {escape(item.text)}_ "
            f"once you tap *{signal.capitalize()}*"
        )
    elif item is not None:
        ahead = " (next stage)" if stage is not None and item.stage != stage else ""
        line += f" · counts for _{LIST_TITLES[item.list_name]}{ahead}: {escape(item.text)}_"
    elif stage is None:
        line += " · set your stage (`/stage`) to see which roadmap item it counts for"
    else:
        line += " · matches no item of your stage's list yet"
    return line


def signal_blocks(
    entry_id: int, signal: str | None, item: Item | None, stage: int | None, chosen: bool = True
) -> list[dict[str, Any]]:
    """The signal the win was tagged with, and one tap to change (or confirm) it."""
    buttons = [
        button(
            "Neither" if value == NONE_SIGNAL else value.capitalize(),
            action_id,
            str(entry_id),
            style="primary" if value == (signal or NONE_SIGNAL) else None,
        )
        for value, action_id in SIGNAL_ACTIONS.items()
    ]
    return [context(signal_line(signal, item, stage, chosen)), actions(*buttons)]

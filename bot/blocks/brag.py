"""The brag document in Slack: the win modal, confirmations, and the answers to bad input."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.blocks.text import (
    actions,
    button,
    context,
    escape,
    message,
    option,
    plain,
    section,
    truncate,
)
from bot.db.models import EntrySource, Visibility
from bot.services.brag import MAX_EVIDENCE, MAX_IMPACT, MAX_LESSON, MAX_LINK, MAX_WHAT, EntrySummary
from bot.slack import ids
from content import Content

VISIBILITY_LABELS = {
    Visibility.PRIVATE.value: "Only me (private)",
    Visibility.MANAGER.value: "Me and my manager",
}
VISIBILITY_ICONS = {Visibility.PRIVATE.value: ":lock:", Visibility.MANAGER.value: ":busts_in_silhouette:"}
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
ECHO_CHUNK = 2800
ECHO_MAX_BLOCKS = 40


def is_user_id(value: object) -> bool:
    """A Slack user ID, safe to put inside ``<@…>``."""
    return isinstance(value, str) and _USER_ID.match(value) is not None


def mention(user_id: str) -> str:
    return f"<@{user_id}>" if is_user_id(user_id) else "someone"


def quoted(text: str, limit: int) -> str:
    """User text as an escaped mrkdwn block quote (cut first, then escaped, so no entity is split)."""
    return "\n".join(f"> {line}" for line in escape(truncate(text.strip(), limit)).splitlines() or [""])


# -- the modal's state -------------------------------------------------------------------------


@dataclass(frozen=True)
class WinDraft:
    """What the modal starts with: empty for a new win, the entry's values for an edit."""

    what: str = ""
    impact: str = ""
    lesson: str = ""
    link: str = ""
    evidence_keys: tuple[str, ...] = ()
    visibility: str = Visibility.PRIVATE.value

    @classmethod
    def of(cls, entry: EntrySummary) -> WinDraft:
        return cls(
            what=entry.what,
            impact=entry.impact or "",
            lesson=entry.lesson or "",
            link=entry.link or "",
            # Suggestions not yet confirmed are preselected: saving the form confirms what is still picked.
            evidence_keys=entry.evidence_keys + tuple(k for k in entry.suggested_keys if k not in entry.evidence_keys),
            visibility=entry.visibility,
        )


@dataclass(frozen=True)
class WinMetadata:
    """What the modal carries in ``private_metadata``; the server re-checks all of it on submit."""

    entry_id: int | None = None
    source: str = EntrySource.MODAL.value
    credited_user_id: str | None = None
    prompt_id: int | None = None
    """The weekly prompt whose "Record a win" opened the modal: saving answers it."""

    def encode(self) -> str:
        data: dict[str, object] = {"entry": self.entry_id, "source": self.source, "credit": self.credited_user_id}
        if self.prompt_id is not None:
            data["prompt"] = self.prompt_id
        return json.dumps(data)


def decode_metadata(raw: str | None) -> WinMetadata:
    """``private_metadata`` back into :class:`WinMetadata`; anything malformed falls back to a new modal win."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    entry = data.get("entry")
    source = data.get("source")
    credit = data.get("credit")
    prompt = data.get("prompt")
    return WinMetadata(
        prompt_id=prompt if isinstance(prompt, int) and not isinstance(prompt, bool) and prompt > 0 else None,
        entry_id=entry if isinstance(entry, int) and not isinstance(entry, bool) and entry > 0 else None,
        source=source if source in {s.value for s in EntrySource} else EntrySource.MODAL.value,
        credited_user_id=credit if is_user_id(credit) else None,
    )


# -- the modal ---------------------------------------------------------------------------------


def _text_input(
    block_id: str,
    label: str,
    initial: str,
    max_length: int,
    *,
    multiline: bool = True,
    optional: bool = True,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.WIN_INPUT,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = truncate(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _evidence_option(content: Content, key: str) -> dict[str, Any]:
    return option(content.evidence_label(key) or key, key)


def evidence_groups(content: Content, stage: int | None, selected: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The picker's option groups: the member's stage's exit criteria (all stages' when none is set),
    the growth tactics, and whatever the entry already points at that is in neither."""
    groups: list[dict[str, Any]] = []
    stages = [content.stage(stage)] if stage is not None else content.stages
    for each in stages:
        label = f"Stage {each.number} exit criteria" if stage is not None else f"{each.title}: exit criteria"
        groups.append(
            {"label": plain(label, 75), "options": [_evidence_option(content, c.key) for c in each.exit_criteria]}
        )
    following = content.next_stage(stage) if stage is not None else None
    if following is not None:
        # Suggestions may come from the next stage: work towards it is worth recording too.
        groups.append(
            {
                "label": plain(f"Stage {following.number} exit criteria (next)", 75),
                "options": [_evidence_option(content, c.key) for c in following.exit_criteria],
            }
        )
    groups.append(
        {"label": plain("Growth tactics", 75), "options": [option(t.name, t.key) for t in content.growth.tactics]}
    )
    offered = {opt["value"] for group in groups for opt in group["options"]}
    leftover = [key for key in selected if key not in offered and content.evidence_label(key) is not None]
    if leftover:
        groups.append(
            {"label": plain("Already linked", 75), "options": [_evidence_option(content, key) for key in leftover]}
        )
    return groups


def _evidence_input(content: Content, stage: int | None, selected: tuple[str, ...]) -> dict[str, Any]:
    groups = evidence_groups(content, stage, selected)
    offered = {opt["value"]: opt for group in groups for opt in group["options"]}
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": ids.WIN_INPUT,
        "placeholder": plain("Exit criteria or growth tactics"),
        "option_groups": groups,
        "max_selected_items": MAX_EVIDENCE,
    }
    initial = [offered[key] for key in selected if key in offered]
    if initial:
        element["initial_options"] = initial
    label = f"Evidence for (Stage {stage})" if stage is not None else "Evidence for"
    hint = (
        "Which of your stage's exit criteria or growth tactics does this win show?"
        if stage is not None
        else "You haven't set your stage (/stage), so every stage's criteria are listed."
    )
    return {
        "type": "input",
        "block_id": ids.WIN_EVIDENCE_BLOCK,
        "label": plain(label),
        "optional": True,
        "hint": plain(hint),
        "element": element,
    }


def _visibility_input(initial: str) -> dict[str, Any]:
    options = [option(label, value) for value, label in VISIBILITY_LABELS.items()]
    chosen = next((o for o in options if o["value"] == initial), options[0])
    return {
        "type": "input",
        "block_id": ids.WIN_VISIBILITY_BLOCK,
        "label": plain("Who can see it"),
        "element": {
            "type": "radio_buttons",
            "action_id": ids.WIN_INPUT,
            "options": options,
            "initial_option": chosen,
        },
    }


def win_modal(content: Content, stage: int | None, draft: WinDraft, meta: WinMetadata) -> dict[str, Any]:
    """Record (or edit) a win: what, why it mattered, the lesson, a link, evidence, visibility."""
    blocks: list[dict[str, Any]] = []
    if meta.credited_user_id is not None:
        blocks.append(
            context(f":speech_balloon: From {mention(meta.credited_user_id)}'s message: they're credited with it.")
        )
    elif meta.source == EntrySource.SHORTCUT.value:
        blocks.append(context(":speech_balloon: From your message."))
    blocks += [
        _text_input(
            ids.WIN_WHAT_BLOCK,
            "What did you do?",
            draft.what,
            MAX_WHAT,
            optional=False,
            placeholder="Shipped the new billing export a week early",
        ),
        _text_input(
            ids.WIN_IMPACT_BLOCK,
            "Why did it matter?",
            draft.impact,
            MAX_IMPACT,
            placeholder="Impact and numbers: who it helped, what it saved or earned",
        ),
        _text_input(
            ids.WIN_LESSON_BLOCK,
            "What would you do differently?",
            draft.lesson,
            MAX_LESSON,
        ),
        _text_input(
            ids.WIN_LINK_BLOCK,
            "Link",
            draft.link,
            MAX_LINK,
            multiline=False,
            placeholder="https://…",
            hint="A PR, doc, dashboard or the Slack thread.",
        ),
        _evidence_input(content, stage, draft.evidence_keys),
        _visibility_input(draft.visibility),
    ]
    editing = meta.entry_id is not None
    return {
        "type": "modal",
        "callback_id": ids.WIN_MODAL,
        "title": plain("Edit win" if editing else "Record a win", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": meta.encode(),
        "blocks": blocks,
    }


# -- answers -----------------------------------------------------------------------------------


def _entry_facts(content: Content, entry: EntrySummary) -> str:
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    who = "Only you can see it." if entry.visibility == Visibility.PRIVATE.value else "Shared with your manager."
    facts = f"{icon} {who}"
    if entry.evidence_keys:
        labels = [truncate(content.evidence_label(key) or key, 60) for key in entry.evidence_keys]
        facts += " · :dart: Evidence for: " + "; ".join(labels)
    return facts


def win_saved_message(content: Content, entry: EntrySummary) -> dict[str, Any]:
    """The answer to ``/win <text>``: saved, with a way to add the detail a review needs."""
    blocks: list[dict[str, Any]] = [
        section(f":white_check_mark: *Saved to your brag document.*\n{quoted(entry.what, 1500)}"),
        context(_entry_facts(content, entry)),
        actions(button("Add detail", ids.WIN_ADD_DETAIL, str(entry.id), style="primary")),
        context("Add why it mattered and which exit criterion it shows. All your wins are on my *Home* tab."),
    ]
    return message("Saved to your brag document.", blocks)


def win_saved_view(content: Content, entry: EntrySummary) -> dict[str, Any]:
    """What the modal turns into after a new win is saved."""
    return {
        "type": "modal",
        "callback_id": ids.WIN_MODAL,
        "title": plain("Win saved", 24),
        "close": plain("Done", 24),
        "blocks": [
            section(f":white_check_mark: *Saved to your brag document.*\n{quoted(entry.what, 1500)}"),
            context(_entry_facts(content, entry)),
            *_suggestion_blocks(content, entry),
            context("Find it on my *Home* tab; `/coach export` gives you the whole document."),
        ],
    }


def _suggestion_blocks(content: Content, entry: EntrySummary) -> list[dict[str, Any]]:
    """Suggested evidence with one-tap confirm (and undo), for a win saved without picking any."""
    if not entry.suggested_keys:
        return []
    labels = "; ".join(escape(truncate(content.evidence_label(key) or key, 60)) for key in entry.suggested_keys)
    return [
        context(f":mag: *Looks like evidence for:* {labels}"),
        actions(
            button("Confirm evidence", ids.WIN_EVIDENCE_CONFIRM, str(entry.id), style="primary"),
            button("Undo", ids.WIN_UNDO, str(entry.id)),
        ),
    ]


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

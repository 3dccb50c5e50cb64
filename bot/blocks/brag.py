"""The brag document in Slack: the win modal, confirmations, and the answers to bad input."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.text import (
    actions,
    button,
    context,
    escape,
    json_object,
    message,
    mrkdwn,
    option,
    plain,
    section,
    truncate,
)
from bot.db.models import EntrySource, Visibility
from bot.db.types import parse_row_id
from bot.services.brag import MAX_EVIDENCE, MAX_IMPACT, MAX_LESSON, MAX_LINK, MAX_WHAT, Audience, EntrySummary
from bot.services.growth import AUTO_SIGNAL, LIST_TITLES, NONE_SIGNAL, Item
from bot.webapi.limits import MAX_OPTION_TEXT
from bot.webapi.profiles import is_user_id
from content import Content

VISIBILITY_ICONS = {
    Visibility.PRIVATE: ":lock:",
    Visibility.MANAGER: ":busts_in_silhouette:",
    Visibility.TEAM_CHANNEL: ":mega:",
}
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")


def _people(audience: Audience | None) -> tuple[str, str]:
    """The manager and the digest channel as Slack shows them (names, not IDs), or a description."""
    manager = audience.manager_user_id if audience is not None else None
    channel = audience.channel_id if audience is not None else None
    named_manager = f"<@{manager}>" if manager is not None and is_user_id(manager) else "your manager"
    named_channel = f"<#{channel}>" if channel is not None and _CHANNEL_ID.match(channel) else "their team channel"
    return named_manager, named_channel


def audience_label(visibility: Visibility, audience: Audience | None) -> str:
    """A sharing choice in the words the person picks it by: who, by name, and where (mrkdwn).

    Slack shows ``<@U…>`` and ``<#C…>`` as the person's and the channel's names.
    """
    manager, channel = _people(audience)
    if visibility == Visibility.MANAGER:
        return f"*Me and {manager}* (my manager)"
    if visibility == Visibility.TEAM_CHANNEL:
        return f"*{channel}*, {manager}'s team digest"
    return "*Only me*"


AUDIENCE_DETAILS = {
    Visibility.PRIVATE: "Nobody else sees it.",
    Visibility.MANAGER: "In a weekly DM to my manager only; never in a channel.",
    Visibility.TEAM_CHANNEL: "Posted on Mondays; everyone in that channel can read it.",
}


def audience_sentence(visibility: Visibility, audience: Audience | None) -> str:
    """After saving: who can read this win now, by name (mrkdwn)."""
    manager, channel = _people(audience)
    has_manager = audience is not None and audience.manager_user_id is not None
    if visibility == Visibility.MANAGER:
        if not has_manager:
            return "For your manager once you name one (`/coach manager @them`); nobody else sees it."
        return f"Shared with {manager} only, in their weekly DM. Never posted in a channel."
    if visibility == Visibility.TEAM_CHANNEL:
        if audience is not None and audience.channel_id is not None:
            return f"Shared in {manager}'s team digest in {channel}: everyone there can read it."
        return "For your manager's team digest channel; until they set one, only your manager sees it."
    return "Only you can see it."


ECHO_CHUNK = 2800
ECHO_MAX_BLOCKS = 40


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
    """What the person picked before (an edit); suggestions are never among them."""
    suggested_keys: tuple[str, ...] = ()
    """Suggestions not yet confirmed: named in the picker's hint, not preselected, so saving the form
    never confirms something the person did not pick."""
    visibility: Visibility = Visibility.PRIVATE
    growth_signal: str = AUTO_SIGNAL
    """decided / proposed / learned, ``none``, or ``auto`` (suggest from the text on save)."""

    @classmethod
    def of(cls, entry: EntrySummary) -> WinDraft:
        return cls(
            what=entry.what,
            impact=entry.impact or "",
            lesson=entry.lesson or "",
            link=entry.link or "",
            evidence_keys=entry.evidence_keys,
            suggested_keys=tuple(k for k in entry.suggested_keys if k not in entry.evidence_keys),
            visibility=entry.visibility,
            growth_signal=entry.growth_signal or NONE_SIGNAL,
        )


@dataclass(frozen=True)
class WinMetadata:
    """What the modal carries in ``private_metadata``; the server re-checks all of it on submit."""

    entry_id: int | None = None
    source: EntrySource = EntrySource.MODAL
    credited_user_id: str | None = None
    prompt_id: int | None = None
    """The weekly prompt whose "Record a win" opened the modal: saving answers it."""

    @classmethod
    def of_message(cls, credited_user_id: str | None) -> WinMetadata:
        """The form the "Save as win" shortcut opens on a message (credited as the service decided)."""
        return cls(source=EntrySource.SHORTCUT, credited_user_id=credited_user_id)

    def encode(self) -> str:
        data: dict[str, object] = {"entry": self.entry_id, "source": self.source, "credit": self.credited_user_id}
        if self.prompt_id is not None:
            data["prompt"] = self.prompt_id
        return json.dumps(data)


NO_SUCH_ENTRY = 0
"""The entry id of an edit form whose id cannot name a row (e.g. 99999999999999999999): its
submission is answered like an entry that is not yours, with the form and its text kept."""


def _entry_id(raw: object) -> int | None:
    if raw is None or isinstance(raw, bool) or not isinstance(raw, int | str):
        return None
    parsed = parse_row_id(raw)
    return parsed if parsed is not None else NO_SUCH_ENTRY


def decode_metadata(raw: str | None) -> WinMetadata:
    """``private_metadata`` back into :class:`WinMetadata`; anything malformed falls back to a new modal win."""
    data = json_object(raw)
    entry = data.get("entry")
    source = data.get("source")
    credit = data.get("credit")
    prompt = data.get("prompt")
    return WinMetadata(
        prompt_id=prompt if isinstance(prompt, int) and not isinstance(prompt, bool) and prompt > 0 else None,
        entry_id=_entry_id(entry),
        source=EntrySource(source) if source in tuple(EntrySource) else EntrySource.MODAL,
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


def _evidence_input(
    content: Content, stage: int | None, selected: tuple[str, ...], suggested: tuple[str, ...] = ()
) -> dict[str, Any]:
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
    if suggested:
        names = "; ".join(truncate(content.evidence_label(key) or key, 60) for key in suggested)
        hint = f"Looks like evidence for: {names}. Pick it if the win shows it; only what you pick counts."
    return {
        "type": "input",
        "block_id": ids.WIN_EVIDENCE_BLOCK,
        "label": plain(label),
        "optional": True,
        "hint": plain(hint),
        "element": element,
    }


def visibility_options(audience: Audience | None, current: Visibility | None = None) -> list[dict[str, Any]]:
    """Radio options naming the audience; what the member cannot pick now is not offered.

    ``audience`` None (not known to the caller) offers every choice in generic words. The
    member's current choice stays listed so that opening a form never changes it silently.
    """
    choices = audience.choices if audience is not None else list(Visibility)
    if current is not None and current not in choices:
        choices.append(current)
    return [
        {
            "text": mrkdwn(audience_label(choice, audience)),
            "description": plain(AUDIENCE_DETAILS[choice], MAX_OPTION_TEXT),
            "value": choice.value,
        }
        for choice in choices
    ]


def _visibility_input(initial: Visibility, audience: Audience | None) -> dict[str, Any]:
    options = visibility_options(audience, initial)
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


def win_modal(
    content: Content, stage: int | None, draft: WinDraft, meta: WinMetadata, audience: Audience | None = None
) -> dict[str, Any]:
    """Record (or edit) a win: what, why it mattered, the lesson, a link, evidence, visibility."""
    blocks: list[dict[str, Any]] = []
    if meta.credited_user_id is not None:
        blocks.append(
            context(f":speech_balloon: From {mention(meta.credited_user_id)}'s message: they're credited with it.")
        )
    elif meta.source == EntrySource.SHORTCUT:
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
        _evidence_input(content, stage, draft.evidence_keys, draft.suggested_keys),
        signal_input(draft.growth_signal),
        _visibility_input(draft.visibility, audience),
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
    return {
        "type": "modal",
        "callback_id": ids.WIN_MODAL,
        "title": plain("Win saved", 24),
        "close": plain("Done", 24),
        "blocks": [
            section(f":white_check_mark: *Saved to your brag document.*\n{quoted(entry.what, 1500)}"),
            context(_entry_facts(content, entry, audience)),
            *_suggestion_blocks(content, entry),
            *(growth or []),
            context("Find it on my *Home* tab; `/coach export` gives you the whole document."),
        ],
    }


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

SIGNAL_LABELS = {"decided": "I decided", "proposed": "I proposed", "learned": "I learned"}
SIGNAL_ICONS = {"decided": ":compass:", "proposed": ":bulb:", "learned": ":books:"}
SIGNAL_ACTIONS = {
    "decided": ids.WIN_SIGNAL_DECIDED,
    "proposed": ids.WIN_SIGNAL_PROPOSED,
    "learned": ids.WIN_SIGNAL_LEARNED,
    NONE_SIGNAL: ids.WIN_SIGNAL_NONE,
}


def signal_input(initial: str) -> dict[str, Any]:
    """The win modal's "What did you do?": suggested from the text unless the person picks."""
    options = [
        option("Suggest from what I wrote", AUTO_SIGNAL),
        *(option(label, value) for value, label in SIGNAL_LABELS.items()),
        option("None of these", NONE_SIGNAL),
    ]
    chosen = next((o for o in options if o["value"] == initial), options[0])
    return {
        "type": "input",
        "block_id": ids.WIN_SIGNAL_BLOCK,
        "label": plain("Decided, proposed or learned?"),
        "optional": True,
        "hint": plain("The roadmap tracks growth by which decisions you make vs. propose vs. learn."),
        "element": {
            "type": "static_select",
            "action_id": ids.WIN_INPUT,
            "options": options,
            "initial_option": chosen,
        },
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

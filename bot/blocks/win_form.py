"""The win modal: what it starts with (a draft), what it carries (its metadata), and its inputs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.audience import AUDIENCE_DETAILS, audience_label, mention
from bot.blocks.kit import input_block, modal, option_group, text_input
from bot.blocks.text import context, json_object, mrkdwn, option, plain, truncate
from bot.db.models import EntrySource, Visibility
from bot.db.types import parse_row_id
from bot.services.brag import MAX_EVIDENCE, MAX_IMPACT, MAX_LESSON, MAX_LINK, MAX_WHAT, Audience, EntrySummary
from bot.services.signals import AUTO_SIGNAL, NONE_SIGNAL
from bot.webapi.limits import MAX_OPTION_TEXT
from bot.webapi.profiles import is_user_id
from content import Content

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
    element = text_input(ids.WIN_INPUT, max_length, initial=initial, multiline=multiline, placeholder=placeholder)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def _evidence_option(content: Content, key: str) -> dict[str, Any]:
    return option(content.evidence_label(key) or key, key)


def evidence_groups(content: Content, stage: int | None, selected: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The picker's option groups: the member's stage's exit criteria (all stages' when none is set),
    the growth tactics, and whatever the entry already points at that is in neither."""
    groups: list[dict[str, Any]] = []
    stages = [content.stage(stage)] if stage is not None else content.stages
    for each in stages:
        label = f"Stage {each.number} exit criteria" if stage is not None else f"{each.title}: exit criteria"
        groups.append(option_group(label, [_evidence_option(content, c.key) for c in each.exit_criteria]))
    following = content.next_stage(stage) if stage is not None else None
    if following is not None:
        # Suggestions may come from the next stage: work towards it is worth recording too.
        groups.append(
            option_group(
                f"Stage {following.number} exit criteria (next)",
                [_evidence_option(content, c.key) for c in following.exit_criteria],
            )
        )
    groups.append(option_group("Growth tactics", [option(t.name, t.key) for t in content.growth.tactics]))
    offered = {opt["value"] for group in groups for opt in group["options"]}
    leftover = [key for key in selected if key not in offered and content.evidence_label(key) is not None]
    if leftover:
        groups.append(option_group("Already linked", [_evidence_option(content, key) for key in leftover]))
    return groups


def evidence_picker(action_id: str, groups: list[dict[str, Any]], selected: tuple[str, ...]) -> dict[str, Any]:
    """The evidence multi-select (the win modal's and "Change evidence"'s), starting with ``selected``."""
    offered = {opt["value"]: opt for group in groups for opt in group["options"]}
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": action_id,
        "placeholder": plain("Exit criteria or growth tactics"),
        "option_groups": groups,
        "max_selected_items": MAX_EVIDENCE,
    }
    initial = [offered[key] for key in selected if key in offered]
    if initial:
        element["initial_options"] = initial
    return element


def _evidence_input(
    content: Content, stage: int | None, selected: tuple[str, ...], suggested: tuple[str, ...] = ()
) -> dict[str, Any]:
    element = evidence_picker(ids.WIN_INPUT, evidence_groups(content, stage, selected), selected)
    label = f"Evidence for (Stage {stage})" if stage is not None else "Evidence for"
    hint = (
        "Which of your stage's exit criteria or growth tactics does this win show?"
        if stage is not None
        else "You haven't set your stage (/stage), so every stage's criteria are listed."
    )
    if suggested:
        names = "; ".join(truncate(content.evidence_label(key) or key, 60) for key in suggested)
        hint = f"Looks like evidence for: {names}. Pick it if the win shows it; only what you pick counts."
    return input_block(ids.WIN_EVIDENCE_BLOCK, label, element, optional=True, hint=hint)


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
    element = {"type": "radio_buttons", "action_id": ids.WIN_INPUT, "options": options, "initial_option": chosen}
    return input_block(ids.WIN_VISIBILITY_BLOCK, "Who can see it", element)


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
    title = "Edit win" if editing else "Record a win"
    return modal(ids.WIN_MODAL, title, blocks, submit="Save", close="Cancel", private_metadata=meta.encode())


SIGNAL_LABELS = {"decided": "I decided", "proposed": "I proposed", "learned": "I learned"}


def signal_input(initial: str) -> dict[str, Any]:
    """The win modal's "What did you do?": suggested from the text unless the person picks."""
    options = [
        option("Suggest from what I wrote", AUTO_SIGNAL),
        *(option(label, value) for value, label in SIGNAL_LABELS.items()),
        option("None of these", NONE_SIGNAL),
    ]
    chosen = next((o for o in options if o["value"] == initial), options[0])
    element = {"type": "static_select", "action_id": ids.WIN_INPUT, "options": options, "initial_option": chosen}
    hint = "The roadmap tracks growth by which decisions you make vs. propose vs. learn."
    return input_block(ids.WIN_SIGNAL_BLOCK, "Decided, proposed or learned?", element, optional=True, hint=hint)

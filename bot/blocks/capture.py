"""Capture in Slack: the card answering a win written to the bot, the evidence buttons, the question after
a deleted DM, and the pages of ``/coach wins`` (answers to a DM with no win in it: ``dm_replies.py``)."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import ids
from bot.blocks.audience import VISIBILITY_ICONS, audience_sentence
from bot.blocks.brag import SIGNAL_ACTIONS, SIGNAL_ICONS, confirm_value, signal_blocks, win_saved_view

# Moved to bot/blocks/dm_replies.py in issue 26; re-exported until the listeners (part C) import them from there.
from bot.blocks.dm_replies import external_user_message as external_user_message
from bot.blocks.dm_replies import greeting_message as greeting_message
from bot.blocks.dm_replies import help_message as help_message
from bot.blocks.dm_replies import nothing_saved_message as nothing_saved_message
from bot.blocks.dm_replies import question_message as question_message
from bot.blocks.dm_replies import thanks_message as thanks_message
from bot.blocks.dm_replies import too_long_message as too_long_message
from bot.blocks.kit import input_block, modal, option_group, overflow
from bot.blocks.text import (
    actions,
    button,
    context,
    escape,
    json_object,
    message,
    option,
    quoted,
    section,
    section_message,
    truncate,
)
from bot.blocks.win_form import SIGNAL_LABELS, evidence_picker
from bot.services.brag import Audience, EntrySummary
from bot.services.capture import MAX_WINS_PER_MESSAGE, Card
from bot.services.items import win_item
from bot.services.signals import NONE_SIGNAL
from bot.services.wins_search import WinPage
from content import Content

MAX_CARDS = 6
"""Wins shown with their buttons in one answer (up to 4 blocks each: the win, what it counts for, one "Looks
like" line with its Yes, its buttons and menu; 6 cards + two notes = 26 of Slack's 50 blocks); the rest of
a long list is saved and counted in a note."""
LABEL_CHARS = 60
MESSAGE_TEXT_BUDGET = 6000
"""Characters of win text quoted in one answer: with ten cards' labels and buttons (~450 each) it stays
under Slack's ~12,000 characters of block text per message (20 wins of 2,000 characters: ~10,200)."""


def _quote_budget(cards: int) -> int:
    """How much of each win's text a card quotes: all 1,200 for a few wins, less for a long list."""
    return max(200, min(1200, MESSAGE_TEXT_BUDGET // max(cards, 1)))


def _labels(content: Content, keys: tuple[str, ...] | list[str]) -> str:
    return "; ".join(escape(truncate(content.evidence_label(key) or key, LABEL_CHARS)) for key in keys)


def _plain_labels(content: Content, keys: tuple[str, ...] | list[str]) -> str:
    return "; ".join(truncate(content.evidence_label(key) or key, LABEL_CHARS) for key in keys)


def evidence_choice_groups(content: Content, stage: int | None) -> list[dict[str, Any]]:
    """What "change evidence" offers: the stage's and the next stage's criteria, and the tactics."""
    stages = content.stages if stage is None else [content.stage(stage), *filter(None, [content.next_stage(stage)])]
    groups = [
        option_group(f"Stage {each.number} exit criteria", [option(c.text, c.key) for c in each.exit_criteria])
        for each in stages
    ]
    groups.append(option_group("Growth tactics", [option(t.name, t.key) for t in content.growth.tactics]))
    return groups


def evidence_modal(content: Content, stage: int | None, entry: EntrySummary, metadata: str) -> dict[str, Any]:
    """ "Change evidence": one picker, preselected with the win's confirmed evidence only (suggestions are
    named in the hint: saving must not confirm what the person did not pick)."""
    groups = evidence_choice_groups(content, stage)
    offered = {o["value"]: o for g in groups for o in g["options"]}
    leftover = [k for k in entry.evidence_keys if k not in offered and content.evidence_label(k) is not None]
    if leftover:
        groups.append(option_group("Already linked", [option(content.evidence_label(k) or k, k) for k in leftover]))
    element = evidence_picker(ids.EVIDENCE_INPUT, groups, entry.evidence_keys)
    hint = "Leave it empty if this win shows none of them."
    if entry.suggested_keys:
        hint = f"Looks like evidence for: {_plain_labels(content, entry.suggested_keys)}. Only what you pick counts."
    blocks = [
        section(quoted(entry.what, 600)),
        input_block(ids.EVIDENCE_PICK_BLOCK, "Evidence for", element, optional=True, hint=hint),
    ]
    return modal(
        ids.EVIDENCE_MODAL, "Change evidence", blocks, submit="Save", close="Cancel", private_metadata=metadata
    )


CARD_MORE_EVIDENCE = "evidence"
"""The overflow option that opens the evidence picker; the others are growth signals (SIGNAL_LABELS, none)."""


def card_more_value(choice: str, entry_id: int) -> str:
    return f"{choice}:{entry_id}"


def parse_card_more_value(raw: object) -> tuple[str | None, int | None]:
    """``(choice, entry id)`` from an overflow option's value; Nones for anything malformed."""
    choice, _, entry = str(raw or "").partition(":")
    if choice not in {CARD_MORE_EVIDENCE, *SIGNAL_LABELS, NONE_SIGNAL} or not entry.isdigit() or int(entry) <= 0:
        return None, None
    return choice, int(entry)


def _card_overflow(entry: EntrySummary) -> dict[str, Any]:
    """Everything a card offers beyond its three buttons, in one menu (Slack allows 5 options)."""
    evidence = "Change evidence…" if entry.suggested_keys or entry.evidence_keys else "Pick evidence…"
    choices = [(evidence, CARD_MORE_EVIDENCE), *((f"Tag: {label}", value) for value, label in SIGNAL_LABELS.items())]
    choices.append(("Tag: none of these", NONE_SIGNAL))
    return overflow(ids.WIN_CARD_MORE, [option(text, card_more_value(value, entry.id)) for text, value in choices])


def _looks_like(content: Content, stage: int | None, entry: EntrySummary) -> list[dict[str, Any]]:
    """At most one "Looks like: X [Yes]" line: the first suggested exit criterion, else the decided / proposed
    / learned guessed from the words when it counts for a roadmap item. Nothing counts until [Yes]."""
    if entry.suggested_keys:
        key = entry.suggested_keys[0]
        block = section(f":mag: *Looks like:* {escape(truncate(content.evidence_label(key) or key, 120))}")
        block["block_id"] = f"{ids.WIN_SUGGESTION_BLOCK_PREFIX}{entry.id}_0"
        block["accessory"] = button("Yes", ids.WIN_EVIDENCE_CONFIRM, confirm_value(entry.id, key))
        return [block]
    item = win_item(content, stage, entry.growth_signal, entry.what)
    signal = entry.growth_signal
    if signal in SIGNAL_LABELS and item is not None and not entry.growth_signal_chosen:
        block = section(f"{SIGNAL_ICONS[signal]} *Looks like:* {SIGNAL_LABELS[signal].lower()} {escape(item.text)}")
        block["accessory"] = button("Yes", SIGNAL_ACTIONS[signal], str(entry.id))
        return [block]
    return []


def win_card(
    content: Content, stage: int | None, entry: EntrySummary, quote_chars: int = 1200, audience: Audience | None = None
) -> list[dict[str, Any]]:
    """One saved win as a receipt: what was saved, who can see it, what it counts for, at most one "Looks
    like: X [Yes]" line, then [Add detail] [Undo] and an overflow menu (evidence, decided / proposed /
    learned). Eight buttons in two rows, and a jargon line for every win, were what people skipped."""
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    # Who can read it, in the words the person picks audiences by (the manager and channel by name).
    who = audience_sentence(entry.visibility, audience)
    blocks: list[dict[str, Any]] = [
        section(f":white_check_mark: *Saved to your brag document.* {icon} {who}\n{quoted(entry.what, quote_chars)}")
    ]
    counts = []
    if entry.evidence_keys:
        counts.append(f":dart: Evidence for: {_labels(content, entry.evidence_keys)}")
    item = win_item(content, stage, entry.growth_signal, entry.what)
    if entry.growth_signal_chosen and entry.growth_signal in SIGNAL_LABELS and item is not None:
        counts.append(f"{SIGNAL_ICONS[entry.growth_signal]} {SIGNAL_LABELS[entry.growth_signal]}: {escape(item.text)}")
    looks_like = _looks_like(content, stage, entry)
    if not entry.evidence_keys and not entry.suggested_keys:
        counts.append(":mag: I couldn't tell which exit criterion this shows; pick one from the ⋯ menu.")
    if counts:
        blocks.append(context(" · ".join(counts)))
    blocks += looks_like
    elements = [
        button("Add detail", ids.WIN_ADD_DETAIL, str(entry.id)),
        button("Undo", ids.WIN_UNDO, str(entry.id)),
        _card_overflow(entry),
    ]
    blocks.append(actions(*elements, block_id=f"{ids.WIN_CARD_BLOCK_PREFIX}{entry.id}"))
    return blocks


def growth_line(content: Content, stage: int | None, entry: EntrySummary) -> list[dict[str, Any]]:
    """Decided / proposed / learned for a saved win, with the roadmap item it counts for and one tap to change."""
    item = win_item(content, stage, entry.growth_signal, entry.what)
    return signal_blocks(entry.id, entry.growth_signal, item, stage, entry.growth_signal_chosen)


def capture_message(
    content: Content,
    stage: int | None,
    entries: list[EntrySummary],
    *,
    prompt_answered: bool = False,
    audience: Audience | None = None,
    not_saved: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The answer to a DM (or prompt reply) that held wins; also what a card becomes after a click."""
    if not entries:
        text = ":leftwards_arrow_with_hook: Undone: nothing from this message is in your brag document."
        return message("Undone: nothing from this message is saved.", [section(text)])
    blocks: list[dict[str, Any]] = []
    shown = entries[:MAX_CARDS]
    for entry in shown:
        blocks += win_card(content, stage, entry, _quote_budget(len(shown)), audience)
    notes = []
    if len(entries) > MAX_CARDS:
        notes.append(f"{len(entries) - MAX_CARDS} more wins from this message are saved too; see my *Home* tab.")
    if not_saved:
        blocks.insert(0, section(not_saved_text(not_saved)))
    if prompt_answered:
        notes.append("That answers this week's check-in: no reminders about it.")
    if any(entry.suggested_keys for entry in shown):
        notes.append("A suggestion counts only once you tap Yes.")
    if notes:
        blocks.append(context(" ".join(notes)))
    if len(entries) == 1:
        return message("Saved to your brag document.", blocks)
    return message(f"Saved {len(entries)} wins to your brag document.", blocks)


def card_message(content: Content, card: Card) -> dict[str, Any]:
    """A card of saved wins: the answer to ``/win`` or a DM, and what it becomes after a click on its buttons."""
    return capture_message(
        content,
        card.stage,
        card.entries,
        prompt_answered=card.prompt_answered,
        audience=card.audience,
        not_saved=card.not_saved,
    )


def saved_win_view(content: Content, card: Card, entry_id: int) -> dict[str, Any]:
    """The saved-win modal after a click on one of its buttons: the win as it now is, or that it is gone."""
    saved = [entry for entry in card.entries if entry.id == entry_id]
    if not saved:
        return undone_view()
    return win_saved_view(content, saved[0], growth_line(content, card.stage, saved[0]), card.audience)


def undone_view() -> dict[str, Any]:
    """The saved-win modal after Undo."""
    return modal(
        ids.WIN_MODAL,
        "Win removed",
        [section(":leftwards_arrow_with_hook: Undone: that win is no longer in your brag document.")],
        close="Done",
    )


def edited_message(content: Content, card: Card) -> dict[str, Any]:
    """After an edited DM: what its wins now say."""
    blocks: list[dict[str, Any]] = [section(":pencil2: *You edited your message, so I updated its wins.*")]
    shown = card.entries[:MAX_CARDS]
    for entry in shown:
        blocks += win_card(content, card.stage, entry, _quote_budget(len(shown)), card.audience)
    if card.unmatched:
        blocks.append(
            context(
                f"Your message now has fewer lines than it had wins; I kept the last {card.unmatched} as they were. "
                "Use *Undo* on any you don't want."
            )
        )
    return message("Updated the wins from your edited message.", blocks)


def deleted_question(entry_ids: list[int], count: int) -> dict[str, Any]:
    noun = "the win" if count == 1 else f"the {count} wins"
    text = f":wastebasket: You deleted a message I saved as a win. Remove {noun} from your brag document too?"
    value = ",".join(str(i) for i in entry_ids)
    return message(
        text.replace(":wastebasket: ", ""),
        [
            section(text),
            actions(
                button("Remove", ids.WIN_REMOVE_DELETED, value, style="danger"),
                button("Keep", ids.WIN_KEEP_DELETED, value),
            ),
        ],
    )


def removed_after_delete_message(count: int) -> dict[str, Any]:
    text = f":wastebasket: Removed {count} win{'s' if count != 1 else ''} from your brag document."
    return section_message(text)


def kept_after_delete_message() -> dict[str, Any]:
    text = ":ok_hand: Kept: the win stays in your brag document (see my *Home* tab)."
    return section_message(text)


def not_saved_text(not_saved: tuple[str, ...]) -> str:
    """Which lines of a long list were not saved: how many, the first and the last, and what to do."""
    count = len(not_saved)
    first = escape(truncate(not_saved[0], 80))
    span = f"“{first}”" if count == 1 else f"“{first}” to “{escape(truncate(not_saved[-1], 80))}”"
    return (
        f":warning: *{count} more line{'s' if count != 1 else ''} not saved*: one message keeps at most "
        f"{MAX_WINS_PER_MESSAGE} wins, so {span} {'is' if count == 1 else 'are'} not in your brag document. "
        "Send them in another message."
    )


# -- /coach wins --------------------------------------------------------------------------------


def page_value(query_text: str, page: int) -> str:
    return json.dumps({"q": query_text, "p": page})


def parse_page_value(raw: str | None) -> tuple[str, int]:
    data = json_object(raw)
    query, page = data.get("q"), data.get("p")
    return (query if isinstance(query, str) else "", page if isinstance(page, int) and page >= 0 else 0)


def _win_line(content: Content, entry: EntrySummary) -> str:
    stamp = int(entry.created_at.timestamp())
    day = f"<!date^{stamp}^{{date_short}}|{entry.created_at.date().isoformat()}>"
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    line = f"*{day}* {icon}\n{quoted(entry.what, 700)}"
    if entry.evidence_keys:
        line += f"\n:dart: {_labels(content, entry.evidence_keys)}"
    return line


def wins_page_message(content: Content, page: WinPage) -> dict[str, Any]:
    """One page of ``/coach wins``: a section per win, and Newer / Older buttons."""
    label = escape(page.query.label)
    if not page.total:
        text = f"No wins {label}." if page.query.words or page.query.since else "You have no wins yet."
        hint = "Try other words, or a period like `this quarter`, `last 90 days`, `since 2026-01-01`."
        return message(text, [section(f":mag: {text}"), context(hint)])
    first = page.page * page.page_size + 1
    last = first + len(page.entries) - 1
    blocks: list[dict[str, Any]] = [section(f":mag: *Your wins {label}* ({first}–{last} of {page.total})")]
    blocks += [section(_win_line(content, entry)) for entry in page.entries]
    buttons = []
    if page.page > 0:
        buttons.append(button("Newer", ids.WINS_PAGE, page_value(page.query.text, page.page - 1)))
    if page.has_next:
        buttons.append(button("Older", ids.WINS_PAGE, page_value(page.query.text, page.page + 1)))
    if buttons:
        blocks.append(actions(*buttons))
    blocks.append(context("Edit or delete wins on my *Home* tab; `/coach export` has them all."))
    return message(f"Your wins {label}: {page.total}", blocks)


def wins_query_problem(text: str) -> dict[str, Any]:
    return message(text, [section(f":warning: {escape(text)}")])

"""``/coach``: help built from the subcommand table, export and delete-my-data messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks import ids
from bot.blocks.text import actions, button, confirm_dialog, context, escape, message, section, truncate
from bot.services.account import DataSummary, DeletionReport


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def coach_help_message(available: Sequence[tuple[str, str]], unknown: str | None = None) -> dict[str, Any]:
    """``available`` is ``(usage, summary)`` pairs, e.g. ``("export", "…")``."""
    lines = [f"• `/coach {usage}` — {summary}" for usage, summary in available]
    if unknown is None:
        intro = "*Stagecoach* — here's what `/coach` does:"
        fallback = "/coach: " + ", ".join(usage for usage, _ in available)
    else:
        shown = escape(truncate(unknown, 40))
        intro = f"I don't know `/coach {shown}`. Here's what works:"
        fallback = f"I don't know /coach {shown}. Try /coach help."
    blocks = [
        section(intro + "\n" + "\n".join(lines)),
        context("`/win` records a win · `/stage` shows your stage · your wins and progress are on my *Home* tab"),
    ]
    return message(fallback, blocks)


def export_started_message() -> dict[str, Any]:
    text = "Putting your brag document together: it'll arrive in our DM in a moment."
    return message(text, [section(f":hourglass_flowing_sand: {text}")])


def export_comment(entries: int) -> str:
    return (
        f"Your brag document ({_plural(entries, 'win')}, grouped by month and by exit criterion, ready to "
        "paste into a review) and a JSON copy of everything Stagecoach holds about you."
    )


def export_sent_message(entries: int) -> dict[str, Any]:
    text = f"Sent: your brag document ({_plural(entries, 'win')}) and your data are in our DM."
    return message(text, [section(f":page_facing_up: {text}")])


def export_busy_message(own: bool) -> dict[str, Any]:
    if own:
        text = (
            "Your previous export is still being put together: it'll arrive in our DM shortly, so no need to ask again."
        )
    else:
        text = "I'm putting other people's exports together right now. Please try `/coach export` again in a minute."
    return message(text, [section(f":hourglass: {text}")])


def export_failed_message() -> dict[str, Any]:
    text = "I couldn't deliver your export just now. Nothing was lost: please try `/coach export` again in a minute."
    return message(text, [section(f":warning: {text}")])


def delete_confirmation_message(summary: DataSummary, member_id: int) -> dict[str, Any]:
    held = [
        "your settings and stage",
        _plural(summary.entries, "win") + " (your brag document)",
        _plural(summary.stuck_sessions, "stuck timer"),
        _plural(summary.deliveries, "reminder record"),
    ]
    where = (
        f"in the {summary.workspaces} workspaces of this Enterprise Grid organisation"
        if summary.organisation and summary.workspaces != 1
        else "in this Enterprise Grid organisation"
        if summary.organisation
        else "in this workspace"
    )
    text = (
        f"*Delete everything Stagecoach holds about you {where}?*\n"
        f"That's {', '.join(held[:-1])} and {held[-1]}. This can't be undone.\n"
        "Other workspaces are not touched: ask there to delete your data there.\n"
        "Want a copy first? `/coach export` sends it to you."
    )
    dialog = confirm_dialog(
        "Delete all your data?",
        "Your wins, settings and everything else go for good. This can't be undone.",
        "Delete everything",
        "Keep my data",
    )
    blocks = [
        section(text),
        actions(
            button("Delete my data", ids.DELETE_MY_DATA_CONFIRM, str(member_id), style="danger", confirm=dialog),
            button("Cancel", ids.DELETE_MY_DATA_CANCEL),
        ),
    ]
    return message("Delete everything Stagecoach holds about you?", blocks)


def data_deleted_message(report: DeletionReport) -> dict[str, Any]:
    text = (
        f"Done: I deleted your settings, {_plural(report.entries, 'win')}, "
        f"{_plural(report.stuck_sessions, 'stuck timer')} and {_plural(report.deliveries, 'reminder record')}. "
        "I hold nothing about you now. Using Stagecoach again starts a fresh profile."
    )
    return message(text, [section(f":wastebasket: {text}")])


def delete_cancelled_message() -> dict[str, Any]:
    text = "Nothing was deleted. Your data stays as it was."
    return message(text, [section(f":ok_hand: {text}")])


def delete_refused_message() -> dict[str, Any]:
    text = (
        "That button is out of date or was shown to someone else, so nothing was deleted. "
        "Use `/coach delete-my-data` to delete your own data."
    )
    return message(text, [section(f":no_entry: {text}")])


def nothing_to_delete_message() -> dict[str, Any]:
    text = "There's nothing to delete: Stagecoach holds no data about you."
    return message(text, [section(f":white_check_mark: {text}")])

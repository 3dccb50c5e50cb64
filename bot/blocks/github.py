"""What ``/coach github`` and the found items show: one short line per item with [Save as win] [Skip].

No counts, streaks or totals anywhere: each item is one thing the member did, offered for them to judge.
Private repositories are named here only because these messages go to their member alone (a DM, or an
ephemeral answer to their own command).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.kit import modal
from bot.blocks.text import actions, button, context, escape, message, one_line, section, section_message, truncate
from bot.db.models import FoundRole
from bot.services.found import ConnectOutcome, OfferedItem, Status
from content import Content

TITLE_SHOWN = 150


def _day(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}"


def role_phrase(item: OfferedItem) -> str:
    if item.role is FoundRole.AUTHORED:
        return "merged, you authored"
    if item.role is FoundRole.REVIEWED:
        return f"you reviewed it {_day(item.acted_at)}"
    return f"you closed it {_day(item.acted_at)}"


def item_line(content: Content, item: OfferedItem) -> str:
    title = escape(truncate(one_line(item.title), TITLE_SHOWN))
    label = next((content.evidence_label(key) for key in item.suggested if content.evidence_label(key)), None)
    looks_like = f" — looks like: _{escape(label)}_" if label else ""
    repository = f" · {escape(item.repository)}" if item.repository else ""
    # Inside <url|text> Slack reads &, < and > as markup and | as the separator: escaped, the link stays one link.
    link = escape(item.url).replace("|", "%7C")
    return f"<{link}|{title}> ({role_phrase(item)}){looks_like}{repository}"


def found_blocks(content: Content, items: Sequence[OfferedItem]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for item in items:
        blocks.append(section(item_line(content, item)))
        blocks.append(
            actions(
                button("Save as win", ids.FOUND_SAVE, str(item.id), style="primary"),
                button("Skip", ids.FOUND_SKIP, str(item.id)),
                block_id=f"found_{item.id}",
            )
        )
    return blocks


def found_message(content: Content, items: Sequence[OfferedItem], note: str | None = None) -> dict[str, Any]:
    """Found this week: nothing counts until saved."""
    blocks = [context(note)] if note else []
    blocks.append(context("Found on GitHub — nothing counts until you save it:"))
    blocks.extend(found_blocks(content, items))
    return message("Found on GitHub — save what counts, skip the rest", blocks)


def decided_message(content: Content, items: Sequence[OfferedItem], note: str) -> dict[str, Any]:
    """The same message after a Save or a Skip: what it still offers, or just the note."""
    if items:
        return found_message(content, items, note=note)
    return message(note, [context(note)])


def saved_note(saved: bool, changed: bool) -> str:
    if not changed:
        return "Already done."
    return "Saved as a win." if saved else "Skipped: it won't be offered again."


def nothing_found_message() -> dict[str, Any]:
    text = (
        "Nothing new on GitHub from the last 7 days: merged pull requests you authored, reviews you gave, "
        "issues you closed."
    )
    return section_message(text)


def wait_message(until: datetime) -> dict[str, Any]:
    text = f"GitHub asked me to wait before reading again (until {until:%H:%M} UTC). Try again after that."
    return section_message(text)


def unavailable_message() -> dict[str, Any]:
    text = "I couldn't reach GitHub just now. Please try again in a few minutes."
    return section_message(text)


def revoked_message(login: str | None) -> dict[str, Any]:
    """One line: the token no longer works, so the account is disconnected."""
    who = f" (@{escape(login)})" if login else ""
    text = (
        f"GitHub no longer accepts my access to your account{who}, so I disconnected it — "
        "`/coach github connect` links it again."
    )
    return section_message(text)


GITHUB_OFF = (
    "GitHub is off in this workspace: an admin turns it on with GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET "
    "(see the README)."
)


def github_off_message() -> dict[str, Any]:
    return section_message(GITHUB_OFF)


def github_status_message(current: Status) -> dict[str, Any]:
    if current.login is None:
        head = "GitHub is not connected."
    else:
        reach = "public and private repositories" if current.private else "public repositories only"
        head = f"Connected to GitHub as *@{escape(current.login)}* ({reach})."
    lines = [
        head,
        "`/coach github connect` — link your account (public repositories; nothing is written)",
        "`/coach github connect private` — include private repositories (GitHub's `repo` scope)",
        "`/coach github find` — look at the last 7 days now",
        "`/coach github disconnect` — forget the token and revoke it at GitHub",
        "Once a week I offer what you shipped, reviewed and closed; nothing counts until you save it.",
    ]
    return message(head, [section("\n".join(lines))])


def _connect_blocks(url: str, private: bool) -> list[dict[str, Any]]:
    reach = (
        "It asks for the `repo` scope, GitHub's only way to read private repositories; I only ever read."
        if private
        else "It asks for no scope: I read public activity only."
    )
    text = f"Connect your GitHub account: GitHub shows you what I may read, and you approve it there. {reach}"
    return [
        section(text),
        actions(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Connect GitHub", "emoji": True},
                "action_id": ids.GITHUB_CONNECT_LINK,
                "url": url,
                "style": "primary",
            }
        ),
        context(
            "The link works once, for 10 minutes, and only for you. "
            "`/coach github connect private` includes private repositories."
            if not private
            else "The link works once, for 10 minutes, and only for you."
        ),
    ]


def connect_message(url: str, private: bool) -> dict[str, Any]:
    return message("Connect your GitHub account", _connect_blocks(url, private))


def connect_modal(url: str | None) -> dict[str, Any]:
    """Home's "Connect GitHub": the same link as ``/coach github connect`` (public repositories), in a modal;
    None: GitHub was switched off since Home was drawn."""
    blocks = _connect_blocks(url, False) if url else [section(GITHUB_OFF)]
    return modal(ids.HOME_GITHUB_CONNECT, "Connect GitHub", blocks, close="Close")


def disconnected_message(login: str | None) -> dict[str, Any]:
    text = (
        f"Disconnected @{escape(login)}: I deleted the token and revoked it at GitHub."
        if login
        else "GitHub was not connected."
    )
    return section_message(text)


_PAGES = {
    ConnectOutcome.CONNECTED: (
        "200 OK",
        "Connected",
        "Connected as @{login}. You can close this tab and go back to Slack.",
    ),
    ConnectOutcome.UNKNOWN_STATE: (
        "400 Bad Request",
        "Link expired",
        "This link was used already or is older than 10 minutes. Run /coach github connect in Slack again.",
    ),
    ConnectOutcome.DECLINED: ("200 OK", "Not connected", "Nothing was connected. You can close this tab."),
    ConnectOutcome.REFUSED: (
        "400 Bad Request",
        "Not connected",
        "GitHub did not confirm the connection. Run /coach github connect in Slack again.",
    ),
    ConnectOutcome.UNAVAILABLE: (
        "503 Service Unavailable",
        "Try again",
        "I couldn't reach GitHub just now. Run /coach github connect in Slack again in a few minutes.",
    ),
    ConnectOutcome.OFF: ("404 Not Found", "Not found", "GitHub is not enabled for this bot."),
}


def callback_page(outcome: ConnectOutcome, login: str | None) -> tuple[str, str]:
    """The page GitHub's redirect lands on: an HTTP status and a small HTML document."""
    status, title, text = _PAGES[outcome]
    body = html.escape(text.format(login=login or ""))
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Stagecoach — '
        f"{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1><p>{body}</p></body></html>"
    )
    return status, page

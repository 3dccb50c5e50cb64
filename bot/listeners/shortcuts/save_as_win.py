"""The "Save as win" message shortcut: the win modal prefilled with the message and its permalink."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.brag import WinMetadata, open_failed_message
from bot.blocks.text import truncate
from bot.services import brag
from bot.slack.mentions import NAMES
from bot.slack.request import Request
from bot.slack.text import plain_from_slack, shared_words
from bot.slack.win_form import open_new_win
from bot.webapi.profiles import is_user_id

log = logging.getLogger(__name__)


def _permalink(client: WebClient, channel: str | None, ts: str | None, member_id: int) -> str:
    if not channel or not ts:
        return ""
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as exc:
        # The win is still worth saving without its link.
        log.warning(
            "chat.getPermalink failed; the form opens without a link",
            extra={"member": member_id, "channel": channel, "error": exc.response.get("error")},
        )
        return ""
    # A longer link would not fit the form's link field: the form opens without it.
    return link if isinstance(link, str) and len(link) <= brag.MAX_LINK else ""


def save_as_win(request: Request) -> None:
    message = request.shortcut.get("message") or {}
    channel = (request.shortcut.get("channel") or {}).get("id")
    link = _permalink(
        request.client, channel, request.shortcut.get("message_ts") or message.get("ts"), request.member_id
    )
    author = message.get("user")
    credited = brag.credited_for(
        author if is_user_id(author) else None,
        from_app=bool(message.get("bot_id")),
        actor=request.shortcut["user"]["id"],
    )
    # Names of mentioned people and channels: cached ones, and at most 3 lookups (one Web API round trip
    # each) while the 3 s trigger_id waits; an id past them stays an id, after its @ or #.
    names = NAMES.names(
        request.client,
        request.shortcut.get("user", {}).get("team_id") or (request.shortcut.get("team") or {}).get("id"),
        3,
    )
    what = plain_from_slack(message.get("text") or "", names)
    shared, original = shared_words(message, names, commented=bool(what))
    if shared:  # a forward or share: its words after any comment, its original's permalink if none other
        what = f"{what}\n{shared}" if what else shared
        link = link or original or ""
    what = truncate(what, brag.MAX_WHAT)
    meta = WinMetadata.of_message(credited)
    opened = open_new_win(
        request.client, request.deps, request.member_id, request.shortcut["trigger_id"], what=what, link=link, meta=meta
    )
    if not opened and request.shortcut.get("response_url"):
        request.respond(**open_failed_message("try *Save as win* again"))

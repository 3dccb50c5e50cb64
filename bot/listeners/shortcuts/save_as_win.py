"""The "Save as win" message shortcut: the win modal prefilled with the message and its permalink."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.brag import WinMetadata, problem_message
from bot.blocks.text import truncate
from bot.db.models import EntrySource
from bot.services.brag import MAX_LINK, MAX_WHAT, plain_from_slack
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.registrar import opens_modal
from bot.slack.win_form import open_new_win
from bot.webapi.profiles import is_user_id

log = logging.getLogger(__name__)

OPEN_FORM_FAILED = "I couldn't open the form just now. Please try *Save as win* again."


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
    return link if isinstance(link, str) and len(link) <= MAX_LINK else ""


@opens_modal
def save_as_win(ack: Ack, shortcut: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    member_id = acting_member_id(context)
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id")
    link = _permalink(client, channel, shortcut.get("message_ts") or message.get("ts"), member_id)
    author = message.get("user")
    # Someone else's message (typically a thank-you) is credited to them; an app's message to nobody.
    by_person = is_user_id(author) and not message.get("bot_id")
    credited = author if by_person and author != shortcut["user"]["id"] else None
    what = truncate(plain_from_slack(message.get("text") or ""), MAX_WHAT)
    meta = WinMetadata(source=EntrySource.SHORTCUT.value, credited_user_id=credited)
    opened = open_new_win(client, deps, member_id, shortcut["trigger_id"], what=what, link=link, meta=meta)
    if not opened and shortcut.get("response_url"):
        respond(**problem_message(OPEN_FORM_FAILED))

"""``message.im``: what a person writes to the bot in its DM becomes wins (or gets an answer).

Only a person's own messages in a DM with the bot count: the bot's messages, other apps', Slackbot's
(``USLACKBOT``: "You have been removed from #…"), channel messages and subtypes other than edits,
deletions, file shares and thread broadcasts are ignored. A ``message_changed`` whose text did not
change is Slack adding a link preview (an unfurl, no ``edited``), not the person editing. A forwarded
message arrives with ``text: ""`` and its words in ``attachments[]`` (``is_share``): they are saved,
with the original's permalink. People of another organisation (Slack Connect) are answered, not enrolled.
Slack's retries are dropped by event id (``first_delivery``). Logs carry ids, never the text.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import capture as blocks
from bot.blocks.capture import external_user_message, nothing_saved_message
from bot.blocks.text import truncate
from bot.deps import Deps
from bot.listeners.requests import Payload
from bot.services import brag, capture
from bot.services.capture import MessageKind
from bot.slack.acting import EXTERNAL_KEY, first_delivery
from bot.slack.home import publish_home
from bot.slack.mentions import NAMES, Names
from bot.slack.request import Request
from bot.slack.text import plain_from_slack, shared_words
from bot.webapi.profiles import is_person_id

log = logging.getLogger(__name__)

NEW_MESSAGE_SUBTYPES = {None, "file_share", "thread_broadcast"}
EDITED = "message_changed"
DELETED = "message_deleted"

_NOTHING = {MessageKind.EMPTY, MessageKind.NO_WORDS, MessageKind.ACKNOWLEDGEMENT}
_ANSWERS = {
    MessageKind.GREETING: blocks.greeting_message,
    MessageKind.THANKS: blocks.thanks_message,
    MessageKind.HELP: blocks.help_message,
    MessageKind.QUESTION: blocks.question_message,
}


def _author(event: Payload) -> tuple[str | None, dict[str, Any]]:
    """Who wrote the message the event is about, and that message (edits and deletions nest it)."""
    subtype = event.get("subtype")
    if subtype == EDITED:
        inner = event.get("message") or {}
    elif subtype == DELETED:
        inner = event.get("previous_message") or {}
    else:
        inner = event
    return inner.get("user"), inner


def _is_from_a_person(inner: Payload, user: str | None, context: BoltContext) -> bool:
    if inner.get("bot_id") or inner.get("subtype") == "bot_message" or inner.get("app_id"):
        return False
    return is_person_id(user) and user != context.bot_user_id


def _names(client: WebClient, context: BoltContext) -> Names:
    return NAMES.names(client, context.team_id)


def _forward_text(comment: str, shared: str) -> str:
    """A forward as one win: the comment, then the forwarded words, cut to fit (the link keeps the rest)."""
    if not comment:
        return truncate(shared, brag.MAX_WHAT)
    room = brag.MAX_WHAT - len(comment) - 1
    return f"{comment}\n{truncate(shared, room)}" if room >= 40 else comment


def _post(client: WebClient, channel: str, payload: dict[str, Any], member_id: int, thread_ts: str | None) -> None:
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload)
    except SlackApiError as exc:
        log.exception(
            "answering a DM failed (what it saved stays saved)",
            extra={"member": member_id, "channel": channel, "error": exc.response.get("error")},
        )


def on_message(request: Request) -> None:
    subtype = request.event.get("subtype")
    channel = request.event.get("channel")
    if request.event.get("channel_type") != "im" or not isinstance(channel, str):
        return  # message.im delivers DMs only; anything else is not ours to read
    if subtype not in NEW_MESSAGE_SUBTYPES and subtype not in {EDITED, DELETED}:
        log.info("ignoring a DM event subtype", extra={"subtype": subtype, "team": request.context.team_id})
        return
    user, inner = _author(request.event)
    if not _is_from_a_person(inner, user, request.context):
        return
    if subtype == EDITED and not _text_edited(request.event, inner):
        # Slack changed the message, not its author: a link preview added (no "edited"), an unfurl removed.
        log.info("ignoring a message change without an edit", extra={"team": request.context.team_id})
        return
    if not first_delivery(request.context, request.body):
        return
    assert user is not None
    if not request.context.user_id:
        request.context["user_id"] = user  # Bolt finds no user on edits and deletions: it is the nested message's
    if request.context.get(EXTERNAL_KEY):
        log.info("answered a DM from another organisation", extra={"team": request.context.team_id})
        if subtype not in {EDITED, DELETED}:
            _post(request.client, channel, external_user_message(), 0, None)
        return
    # Read only now: resolving it enrols the sender, and whoever sent what is ignored above (other apps,
    # retries) must not be enrolled.
    member_id = request.member_id
    if subtype == EDITED:
        _edited(request.deps, request.client, request.context, member_id, user, channel, inner)
    elif subtype == DELETED:
        _deleted(
            request.deps,
            request.client,
            member_id,
            channel,
            str(request.event.get("deleted_ts") or inner.get("ts") or ""),
        )
    else:
        _new(request.deps, request.client, request.context, member_id, user, channel, request.event)


def _text_edited(event: Payload, inner: Payload) -> bool:
    """Whether a ``message_changed`` is the person editing their words: Slack marks an edit (``edited``),
    and the text differs from the previous one (an unfurl resends the same text without ``edited``)."""
    previous = event.get("previous_message")
    if isinstance(previous, dict) and previous.get("text") == inner.get("text"):
        return False
    return bool(inner.get("edited"))


def _refused(client: WebClient, channel: str, member_id: int, error: brag.EntryInputError, thread_ts: str) -> None:
    log.info("DM win refused", extra={"member": member_id, "field": error.field})
    _post(client, channel, blocks.too_long_message(brag.MAX_WHAT), member_id, thread_ts)


def _new(
    deps: Deps, client: WebClient, context: BoltContext, member_id: int, user: str, channel: str, event: Payload
) -> None:
    ts = str(event.get("ts") or "")
    thread_ts = event.get("thread_ts") if event.get("thread_ts") != ts else None
    names = _names(client, context)
    comment = plain_from_slack(event.get("text") or "", names)
    shared, link = shared_words(event, names, commented=bool(comment))
    if shared:
        # A forward is one thing said once: one win (its comment first), never split into bullets.
        what = _forward_text(comment, shared)
        parsed = capture.ParsedMessage(MessageKind.WINS, (what,))
    else:
        parsed = capture.parse_message(comment)
    reply_in = thread_ts or ts
    if parsed.kind in _NOTHING:
        log.info("DM held nothing to save", extra={"member": member_id, "kind": parsed.kind.value})
        _post(client, channel, nothing_saved_message(parsed.kind.value), member_id, thread_ts)
        return
    if parsed.kind != MessageKind.WINS:
        _post(client, channel, _ANSWERS[parsed.kind](), member_id, thread_ts)
        return
    try:
        card = capture.save_dm(
            deps.db,
            deps.content,
            member_id,
            parsed.wins,
            now=deps.clock(),
            channel_id=channel,
            ts=ts,
            thread_ts=thread_ts,
            link=link,
            not_saved=parsed.not_saved,
        )
    except brag.EntryInputError as error:
        _refused(client, channel, member_id, error, reply_in)
        return
    log.info(
        "wins saved from a DM",
        extra={"member": member_id, "wins": len(card.entries), "prompt_answered": card.prompt_answered},
    )
    _post(client, channel, blocks.card_message(deps.content, card), member_id, reply_in)
    publish_home(client, deps, member_id, user)


def _edited(
    deps: Deps, client: WebClient, context: BoltContext, member_id: int, user: str, channel: str, inner: Payload
) -> None:
    ts = str(inner.get("ts") or "")
    text = plain_from_slack(inner.get("text") or "", _names(client, context))
    try:
        card = capture.edit_dm(deps.db, deps.content, member_id, channel_id=channel, ts=ts, text=text, now=deps.clock())
    except brag.EntryInputError as error:
        _refused(client, channel, member_id, error, ts)
        return
    if card is None:
        return  # the message held no win (a greeting, a question): an edit does not make one
    _post(client, channel, blocks.edited_message(deps.content, card), member_id, ts)
    publish_home(client, deps, member_id, user)


def _deleted(deps: Deps, client: WebClient, member_id: int, channel: str, ts: str) -> None:
    entry_ids = capture.wins_in_deleted_message(deps.db, member_id, channel, ts)
    if entry_ids:
        _post(client, channel, blocks.deleted_question(entry_ids, len(entry_ids)), member_id, None)

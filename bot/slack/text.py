"""Slack's wire format for text, read at the edge: services receive plain text."""

from __future__ import annotations

import re

from bot.services.storable import storable
from bot.slack.mentions import unescape

_LABELLED_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_LABELLED_MENTION = re.compile(r"<[@#!][^|>]+\|([^>]+)>")


def plain_from_slack(text: str) -> str:
    """Message or command text as the plain text a win stores: links and named mentions made readable.

    Slack may send ``&``, ``<`` and ``>`` escaped; they are stored unescaped (the export is plain
    Markdown) and escaped again wherever a win is shown as mrkdwn.
    """
    readable = _LABELLED_LINK.sub(r"\2 (\1)", storable(text))
    readable = _BARE_LINK.sub(r"\1", readable)
    readable = _LABELLED_MENTION.sub(r"\1", readable)
    return unescape(readable).strip()

"""Slack's wire format for text, read at the edge: services receive plain text.

Slack's markup is ``<…>`` around a link or mention (``<https://x|label>``, ``<@U123>``, ``<#C123|>``,
``<!here>``, ``<!subteam^S123|@team>``, ``<!date^…|fallback>``), with ``&``, ``<`` and ``>`` in the
typed text escaped. It is read in one left-to-right pass with ``str.find``: the regexes this replaced
backtracked on unclosed ``<`` (a 40,000-character DM of ``<@`` repeats cost ~3 s of CPU, issue #24); a
pass costs 0.2-10 ms for the same 40,000 characters (tests/test_real_payloads.py bounds it at 50 ms).
"""

from __future__ import annotations

from typing import Any

from bot.services.brag import MAX_LINK
from bot.services.storable import storable
from bot.slack.mentions import Names, unescape

_MARKUP_STARTS = frozenset("@#!hm")  # user, channel, special, http(s)://, mailto:
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _no_names(_: str) -> str | None:
    return None


def _token(inner: str, names: Names) -> str | None:
    """What a person reads for one ``<inner>`` of Slack's markup; None when it is not markup."""
    if not inner or inner[0] not in _MARKUP_STARTS:
        return None
    target, _, label = inner.partition("|")
    label = unescape(label).strip()
    if target.startswith("@"):
        user = target[1:]
        name = label.lstrip("@") or names(user) or user
        return f"@{name}"
    if target.startswith("#"):
        channel = target[1:]
        name = label.lstrip("#") or names(channel) or channel
        return f"#{name}"
    if target.startswith("!"):
        special = target[1:]
        if special in _SPECIAL:
            return _SPECIAL[special]
        if special.startswith("subteam^"):
            group = special.removeprefix("subteam^")
            return label or f"@{names(group) or group}"
        # <!date^1392734382^{date_short}|Feb 18, 2014> and the like: Slack's own fallback text.
        return label or None
    if target.startswith(("http://", "https://")):
        url = unescape(target)
        return f"{label} ({url})" if label and label != url else url
    if target.startswith("mailto:"):
        return label or unescape(target.removeprefix("mailto:"))
    return None


def plain_from_slack(text: str, names: Names | None = None) -> str:
    """Message or command text as the plain text a win stores: links, mentions and channels readable.

    ``names`` looks up an id Slack sent without a label (real message events carry ``<@U043H11ES4V>``
    and ``<#C123|>``); without it, or when it knows no name, the id itself is kept, after its ``@``/``#``.
    Slack may send ``&``, ``<`` and ``>`` escaped; they are stored unescaped (the export is plain
    Markdown) and escaped again wherever a win is shown as mrkdwn.
    """
    source = storable(text)
    lookup = names or _no_names
    parts: list[str] = []
    position = 0  # the start of text not yet copied to parts (markup that reads as text stays in it)
    scan = 0  # where to look for the next "<"
    next_close = -1  # where the next ">" is: found once per ">", not once per "<" (linear, not quadratic)
    while True:
        start = source.find("<", scan)
        if start == -1:
            break
        if next_close <= start:
            next_close = source.find(">", start + 1)
            if next_close == -1:
                break  # no markup closes after here: the rest is text
        reopened = source.find("<", start + 1, next_close)
        if reopened != -1:
            scan = reopened  # "<" … "<" … ">": the first "<" opens nothing (Slack escapes a typed "<")
            continue
        readable = _token(source[start + 1 : next_close], lookup)
        if readable is not None:
            parts.append(unescape(source[position:start]))
            parts.append(readable)
            position = next_close + 1
        scan = next_close + 1
    parts.append(unescape(source[position:]))
    return "".join(parts).strip()


def _is_forward(attachment: object, commented: bool) -> bool:
    """A forwarded or shared message: ``is_share``; or, with no words of the sender's own, a message
    unfurl (``is_msg_unfurl``) with the original's permalink (forwards captured without ``is_share``).
    A permalink pasted *with* words unfurls the same way: that preview is not what they wrote."""
    if not isinstance(attachment, dict):
        return False
    return bool(attachment.get("is_share") or (not commented and attachment.get("is_msg_unfurl")))


def shared_words(message: dict[str, Any], names: Names | None, commented: bool) -> tuple[str, str | None]:
    """The words of what a message forwards or shares (``attachments[]``), and the original's permalink;
    ("", None) when it shares nothing."""
    words: list[str] = []
    link: str | None = None
    for attachment in message.get("attachments") or []:
        if not _is_forward(attachment, commented):
            continue
        text = attachment.get("text") or attachment.get("fallback") or ""
        if isinstance(text, str) and text.strip():
            words.append(plain_from_slack(text, names))
        url = attachment.get("from_url") or attachment.get("original_url")
        if link is None and isinstance(url, str) and url.startswith("https://") and len(url) <= MAX_LINK:
            link = url
    return "\n".join(w for w in words if w), link

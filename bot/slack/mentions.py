"""Slack's wire format in command text: mentions and channels, and its ``&``/``<``/``>`` escaping.

Users: ``<@U123|ana>``, ``<@U123>``, ``U123``; channels: ``<#C123|general>``, ``C123``. Slack escapes
mentions in a command's text when the manifest asks it to (``should_escape``, as ``/coach`` does); the
bare forms are accepted too, for people who paste an ID.
"""

from __future__ import annotations

import re

_USER = re.compile(r"^(?:<@(?P<escaped>[UW][A-Z0-9]{2,30})(?:\|[^>]*)?>|(?P<bare>[UW][A-Z0-9]{2,30}))$")
_CHANNEL = re.compile(r"^(?:<#(?P<escaped>[CG][A-Z0-9]{2,30})(?:\|[^>]*)?>|(?P<bare>[CG][A-Z0-9]{2,30}))$")


def user_id(text: str) -> str | None:
    match = _USER.match(text.strip())
    return (match.group("escaped") or match.group("bare")) if match else None


def channel_id(text: str) -> str | None:
    match = _CHANNEL.match(text.strip())
    return (match.group("escaped") or match.group("bare")) if match else None


def unescape(text: str) -> str:
    """Text as the person typed it: Slack sends ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;``.

    ``&amp;`` is undone last, so a typed ``&lt;`` (sent as ``&amp;lt;``) stays ``&lt;``.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

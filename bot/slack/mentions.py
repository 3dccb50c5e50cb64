"""Slack's wire format in command text: mentions and channels, and its ``&``/``<``/``>`` escaping.

Also the names of the ids Slack sends without one (:class:`NameBook`).

Users: ``<@U123|ana>``, ``<@U123>``, ``U123``; channels: ``<#C123|general>``, ``C123``. Slack escapes
mentions in a command's text when the manifest asks it to (``should_escape``, as ``/coach`` does); the
bare forms are accepted too, for people who paste an ID.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.webapi.profiles import slack_display_name

log = logging.getLogger(__name__)

Names = Callable[[str], str | None]
"""A Slack id (``U…``/``W…`` user, ``C…``/``G…`` channel) to the name a person reads, or None."""
_ID = re.compile(r"[UWCGS][A-Z0-9]{2,30}")

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


NAME_TTL_SECONDS = 24 * 3600.0
"""A rename shows in new wins within a day; a DM with five mentions costs five users.info calls once a
day, not once a message (Tier 4: 100+ a minute per workspace)."""
MISS_TTL_SECONDS = 600.0
"""An id Slack would not name (deleted, another org's, a missing scope) is asked about again after 10 min."""
MOST_NAMES = 20_000
"""Entries kept (~2 MB); past this the oldest go first."""
LOOKUPS_PER_TEXT = 10
"""Distinct unnamed ids one text may look up; the rest keep their id (a pasted list of 200 mentions must
not hold its DM's answer for 200 calls)."""


class NameBook:
    """Names for Slack ids, looked up once (``users.info``, ``conversations.info``) and kept.

    Keyed by the Web API's URL and the workspace, so two workspaces (or two simulators in tests) never
    share a name. Thread-safe: listeners run on the post-ack pool.
    """

    def __init__(self, ttl: float = NAME_TTL_SECONDS, miss_ttl: float = MISS_TTL_SECONDS, most: int = MOST_NAMES):
        self._ttl, self._miss_ttl, self._most = ttl, miss_ttl, most
        self._names: OrderedDict[tuple[str, str, str], tuple[str | None, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.lookups = 0
        """Web API calls made so far (tests check a name is looked up once)."""

    def _cached(self, key: tuple[str, str, str]) -> tuple[bool, str | None]:
        with self._lock:
            found = self._names.get(key)
            if found is None or found[1] < time.monotonic():
                return False, None
            self._names.move_to_end(key)
            return True, found[0]

    def _keep(self, key: tuple[str, str, str], name: str | None) -> None:
        with self._lock:
            self._names[key] = (name, time.monotonic() + (self._ttl if name else self._miss_ttl))
            self._names.move_to_end(key)
            while len(self._names) > self._most:
                self._names.popitem(last=False)

    def _look_up(self, client: WebClient, slack_id: str) -> str | None:
        self.lookups += 1
        try:
            if slack_id[:1] in "UW":
                return slack_display_name(client.users_info(user=slack_id)["user"])
            if slack_id[:1] in "CG":
                name = client.conversations_info(channel=slack_id)["channel"].get("name")
                return name if isinstance(name, str) and name else None
        except SlackApiError as exc:
            log.info("no name for a mentioned id", extra={"id": slack_id, "error": exc.response.get("error")})
        except OSError as exc:
            log.warning("no name for a mentioned id", extra={"id": slack_id, "error": type(exc).__name__})
        return None

    def clear(self) -> None:
        """Forget every name (tests: a simulator that reuses a port must not inherit the last one's names)."""
        with self._lock:
            self._names.clear()

    def names(self, client: WebClient | None, team_id: str | None, lookups: int = LOOKUPS_PER_TEXT) -> Names:
        """A lookup for one text: cached names, and at most ``lookups`` Web API calls for the rest."""
        left = [lookups if client is not None else 0]
        base = str(getattr(client, "base_url", ""))

        def name(slack_id: str) -> str | None:
            if not _ID.fullmatch(slack_id):
                return None
            key = (base, team_id or "", slack_id)
            known, found = self._cached(key)
            if known or left[0] <= 0 or client is None:
                return found
            left[0] -= 1
            found = self._look_up(client, slack_id)
            self._keep(key, found)
            return found

        return name


NAMES = NameBook()
"""The process's names (each app built in it shares them; the key keeps workspaces apart)."""

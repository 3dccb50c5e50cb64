"""Slack's user records and IDs as the Web API returns them (users.info, users.list, message authors)."""

from __future__ import annotations

import re
from typing import Any

_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,31}$")


def is_user_id(value: object) -> bool:
    """A Slack user ID (``U…``/``W…``; a channel is ``C…``/``G…``/``D…``), safe inside ``<@…>``."""
    return isinstance(value, str) and _USER_ID.match(value) is not None


def slack_display_name(user: dict[str, Any]) -> str | None:
    """The name Slack shows for a users.info / users.list entry."""
    profile = user.get("profile") or {}
    for candidate in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None

"""Slack's user records and IDs as the Web API returns them (users.info, users.list, message authors),
read into what the bot keeps: a display name, a timezone, whether a status means time off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,31}$")


def is_user_id(value: object) -> bool:
    """A Slack user ID (``U…``/``W…``; a channel is ``C…``/``G…``/``D…``), safe inside ``<@…>``."""
    return isinstance(value, str) and _USER_ID.match(value) is not None


SLACKBOT = "USLACKBOT"
"""Slackbot's user id: shaped like a person's (``U…``), but Slack's own system messages come from it."""


def is_person_id(value: object) -> bool:
    """A user id of a person: :func:`is_user_id`, and not Slackbot."""
    return is_user_id(value) and value != SLACKBOT


def slack_display_name(user: dict[str, Any]) -> str | None:
    """The name Slack shows for a users.info / users.list entry."""
    profile = user.get("profile") or {}
    for candidate in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


# Slack's own suggested statuses are "Vacationing :palm_tree:" and "Out sick :face_with_thermometer:";
# the rest are what people commonly set for time off. STAGECOACH_AWAY_STATUSES adds to both lists.
AWAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":face_with_thermometer:",
        ":airplane:",
        ":beach_with_umbrella:",
        ":desert_island:",
        ":sick:",
        ":thermometer:",
        ":mask:",
        ":hospital:",
        ":baby:",
    }
)
AWAY_PHRASES = (
    "ooo",
    "out of office",
    "out of the office",
    "out sick",
    "off sick",
    "sick leave",
    "vacation",
    "vacationing",
    "on holiday",
    "on holidays",
    "on leave",
    "annual leave",
    "parental leave",
    "pto",
)


@dataclass(frozen=True)
class AwayRules:
    emoji: frozenset[str]
    pattern: re.Pattern[str]


@lru_cache(maxsize=8)
def away_rules(extra: str = "") -> AwayRules:
    """The built-in away statuses plus the configured ones (``:emoji:`` codes or words, comma-separated)."""
    items = [item.strip().lower() for item in extra.split(",") if item.strip()]
    emoji = AWAY_EMOJI | {item for item in items if item.startswith(":") and item.endswith(":") and len(item) > 2}
    phrases = [*AWAY_PHRASES, *(item for item in items if not (item.startswith(":") and item.endswith(":")))]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(phrase) for phrase in phrases) + r")\b", re.IGNORECASE)
    return AwayRules(emoji=frozenset(emoji), pattern=pattern)


def is_away_status(emoji: str | None, text: str | None, rules: AwayRules) -> bool:
    if emoji and emoji.strip().lower() in rules.emoji:
        return True
    return bool(text and rules.pattern.search(text))


@dataclass(frozen=True)
class SlackUser:
    tz: str | None
    deleted: bool
    away: bool = False
    away_until: datetime | None = None


def slack_user(user: dict[str, Any], rules: AwayRules, at: datetime) -> SlackUser:
    profile = user.get("profile") or {}
    expiration = int(profile.get("status_expiration") or 0)
    until = datetime.fromtimestamp(expiration, UTC) if expiration > 0 else None
    away = is_away_status(profile.get("status_emoji"), profile.get("status_text"), rules) and (
        until is None or until > at
    )
    return SlackUser(
        tz=user.get("tz"), deleted=bool(user.get("deleted")), away=away, away_until=until if away else None
    )

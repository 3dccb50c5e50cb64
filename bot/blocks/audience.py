"""Who a win reaches, in the words a person picks it by: the audience labels, sentences and icons."""

from __future__ import annotations

import re

from bot.db.models import Visibility
from bot.services.brag import Audience
from bot.webapi.profiles import is_user_id

VISIBILITY_ICONS = {
    Visibility.PRIVATE: ":lock:",
    Visibility.MANAGER: ":busts_in_silhouette:",
    Visibility.TEAM_CHANNEL: ":mega:",
}
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")


def _people(audience: Audience | None) -> tuple[str, str]:
    """The manager and the digest channel as Slack shows them (names, not IDs), or a description."""
    manager = audience.manager_user_id if audience is not None else None
    channel = audience.channel_id if audience is not None else None
    named_manager = f"<@{manager}>" if manager is not None and is_user_id(manager) else "your manager"
    named_channel = f"<#{channel}>" if channel is not None and _CHANNEL_ID.match(channel) else "their team channel"
    return named_manager, named_channel


def audience_label(visibility: Visibility, audience: Audience | None) -> str:
    """A sharing choice in the words the person picks it by: who, by name, and where (mrkdwn).

    Slack shows ``<@U…>`` and ``<#C…>`` as the person's and the channel's names.
    """
    manager, channel = _people(audience)
    if visibility == Visibility.MANAGER:
        return f"*Me and {manager}* (my manager)"
    if visibility == Visibility.TEAM_CHANNEL:
        return f"*{channel}*, {manager}'s team digest"
    return "*Only me*"


AUDIENCE_DETAILS = {
    Visibility.PRIVATE: "Nobody else sees it.",
    Visibility.MANAGER: "In a weekly DM to my manager only; never in a channel.",
    Visibility.TEAM_CHANNEL: "Posted on Mondays; everyone in that channel can read it.",
}


def audience_sentence(visibility: Visibility, audience: Audience | None) -> str:
    """After saving: who can read this win now, by name (mrkdwn)."""
    manager, channel = _people(audience)
    has_manager = audience is not None and audience.manager_user_id is not None
    if visibility == Visibility.MANAGER:
        if not has_manager:
            return "For your manager once you name one (`/coach manager @them`); nobody else sees it."
        return f"Shared with {manager} only, in their weekly DM. Never posted in a channel."
    if visibility == Visibility.TEAM_CHANNEL:
        if audience is not None and audience.channel_id is not None:
            return f"Shared in {manager}'s team digest in {channel}: everyone there can read it."
        return "For your manager's team digest channel; until they set one, only your manager sees it."
    return "Only you can see it."


def mention(user_id: str) -> str:
    return f"<@{user_id}>" if is_user_id(user_id) else "someone"

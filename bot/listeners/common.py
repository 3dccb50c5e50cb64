"""What every listener reads from a request: who is acting, and their member row."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.slack.middleware import MEMBER_ID_KEY


def acting_member_id(context: BoltContext) -> int:
    """The enrolled member behind this request (the enrollment middleware put it there)."""
    member_id = context.get(MEMBER_ID_KEY)
    if not isinstance(member_id, int):
        raise LookupError("request has no enrolled member")
    return member_id

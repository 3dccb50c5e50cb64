"""``users.list`` with profiles and statuses, served from ``FakeSlack.users`` through its handler hook.

The stock fake's ``users.list`` answers id, tz and deleted; the time-off tests also need each person's
``profile.status_emoji`` / ``status_text`` / ``status_expiration``. Installing this handler (instead of
editing the fake) keeps Slack's shape: offset cursors, ``limit`` a page, ``next_cursor`` empty at the end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.fake_slack import FakeSlack


def users_list_with_statuses(fake: FakeSlack) -> None:
    def answer(params: dict[str, Any], token: str | None) -> dict[str, Any]:
        members = [
            {
                "id": user_id,
                "tz": user.get("tz", fake.default_tz),
                "deleted": bool(user.get("deleted", False)),
                "profile": {
                    "status_emoji": user.get("status_emoji", ""),
                    "status_text": user.get("status_text", ""),
                    "status_expiration": int(user.get("status_expiration", 0)),
                },
            }
            for user_id, user in list(fake.users.items())
        ]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 0) or len(members) or 1
        more = start + limit < len(members)
        return {
            "ok": True,
            "members": members[start : start + limit],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    fake.handlers["users.list"] = answer


def set_status(fake: FakeSlack, user_id: str, emoji: str, text: str, expires: datetime | None = None) -> None:
    user = fake.users.setdefault(user_id, {})
    user.update(status_emoji=emoji, status_text=text, status_expiration=int(expires.timestamp()) if expires else 0)


def clear_status(fake: FakeSlack, user_id: str) -> None:
    set_status(fake, user_id, "", "")

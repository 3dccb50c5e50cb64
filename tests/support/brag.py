"""Driving the bot as a person would (/win, /coach, Home, the stage buttons) and reading what it sent to the fake."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import BragEntry
from bot.slack.registrar import drain
from tests.support.bots import RunningBot
from tests.support.driver import block_texts
from tests.support.fake_slack import Call, FakeSlack


def view_of(call: Call) -> dict[str, Any]:
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def wait_for_call(fake: FakeSlack, method: str, after: int, where: Any = None, timeout: float = 5.0) -> Call:
    """The first call to ``method`` made after the first ``after`` ones (and matching ``where``)."""
    deadline = time.monotonic() + timeout
    while True:
        for call in fake.calls_to(method)[after:]:
            if where is None or where(call):
                return call
        if time.monotonic() > deadline:
            raise AssertionError(f"no matching {method} call after #{after}")
        time.sleep(0.02)


def count(fake: FakeSlack, method: str) -> int:
    return len(fake.calls_to(method))


def published_home(fake: FakeSlack, user: str, after: int) -> dict[str, Any]:
    call = wait_for_call(fake, "views.publish", after, lambda c: c.params.get("user_id") == user)
    view = view_of(call)
    assert view["type"] == "home"
    return view


def open_home(bot: RunningBot, user: str = "U0001") -> dict[str, Any]:
    """Send ``app_home_opened`` for ``user`` and return the Home view the bot published for them."""
    # A republish still queued by an earlier click would otherwise be taken for this one's (a Home a tap old).
    assert drain()
    before = count(bot.fake, "views.publish")
    reply = bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user[1:]})
    assert reply.status == 200
    return published_home(bot.fake, user, before)


def opened_view(bot: RunningBot, before: int, trigger: str | None = None) -> dict[str, Any]:
    where = (lambda c: c.params.get("trigger_id") == trigger) if trigger else None
    return view_of(wait_for_call(bot.fake, "views.open", before, where))


def win_values(
    what: str = "",
    impact: str = "",
    lesson: str = "",
    link: str = "",
    evidence: list[str] | None = None,
    visibility: str | None = "private",
) -> dict[str, dict[str, dict[str, Any]]]:
    """The state Slack sends when the win modal is submitted."""
    chosen = {"value": visibility} if visibility else None
    return {
        ids.WIN_WHAT_BLOCK: {ids.WIN_INPUT: {"type": "plain_text_input", "value": what or None}},
        ids.WIN_IMPACT_BLOCK: {ids.WIN_INPUT: {"type": "plain_text_input", "value": impact or None}},
        ids.WIN_LESSON_BLOCK: {ids.WIN_INPUT: {"type": "plain_text_input", "value": lesson or None}},
        ids.WIN_LINK_BLOCK: {ids.WIN_INPUT: {"type": "plain_text_input", "value": link or None}},
        ids.WIN_EVIDENCE_BLOCK: {
            ids.WIN_INPUT: {"type": "multi_static_select", "selected_options": [{"value": k} for k in evidence or []]}
        },
        ids.WIN_VISIBILITY_BLOCK: {ids.WIN_INPUT: {"type": "radio_buttons", "selected_option": chosen}},
    }


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return dict(block["element"])


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button in a message or view, in order (actions blocks and section accessories)."""
    found: list[dict[str, Any]] = []
    for block in payload.get("blocks", []):
        for candidate in [*block.get("elements", []), block.get("accessory") or {}]:
            if candidate.get("type") == "button":
                found.append(candidate)
    return found


def button_values(payload: dict[str, Any], action_id: str) -> list[str]:
    return [b.get("value", "") for b in buttons(payload) if b["action_id"] == action_id]


def quick_win(bot: RunningBot, text: str, user: str = "U0001") -> dict[str, Any]:
    """``/win <text>`` as ``user``: the capture card it answers with, once the refreshed Home is published."""
    before = count(bot.fake, "views.publish")
    assert bot.slack.command("/win", text, user=user).status == 200
    [response] = bot.slack.responses()
    published_home(bot.fake, user, before)
    return response


def coach(bot: RunningBot, text: str, user: str) -> str:
    """``/coach <text>`` as ``user``: the text of its answer."""
    assert bot.slack.command("/coach", text, user=user).status == 200
    return block_texts(bot.slack.responses()[0])


def set_stage(bot: RunningBot, stage: int, user: str = "U0001") -> None:
    bot.slack.click(ids.STAGE_SET_MINE, str(stage), user=user)
    bot.slack.responses()


def entries(bot: RunningBot) -> list[BragEntry]:
    """Every win in the database, oldest first, with their evidence keys loaded."""
    with bot.db.transaction() as session:
        found = list(session.scalars(select(BragEntry).order_by(BragEntry.id)))
        for entry in found:
            _ = entry.evidence_keys
        return found


def team_details(bot: RunningBot, user: str) -> dict[str, Any]:
    """A manager's "Team details" from her Home: the modal with each report's months and her part."""
    before = count(bot.fake, "views.open")
    assert bot.slack.click(ids.HOME_TEAM_DETAILS, user=user, view={"type": "home"}).status == 200
    return opened_view(bot, before)

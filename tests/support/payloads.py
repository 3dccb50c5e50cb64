"""Captured Slack payloads (tests/payloads/): what real workspaces and Slack's own SDK test suites sent.

Each file keeps its source (``_source``: repository, path and commit, or a documentation page), what it
exercises and what was adapted (ids only: our simulator's team, bot and people, and a channel moved into
the bot's DM). ``replay`` sends one through the signed HTTP path, as Slack would.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from pathlib import Path
from typing import Any

from bot.db.models import ProcessedEvent
from bot.slack.registrar import drain
from tests.support.bots import RunningBot
from tests.support.driver import Reply

FOLDER = Path(__file__).resolve().parents[1] / "payloads"
_event_ids = itertools.count(1)


def names() -> list[str]:
    return sorted(path.stem for path in FOLDER.glob("*.json"))


def document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FOLDER / f"{name}.json").read_text())
    return loaded


def body(name: str) -> Any:
    """A fresh copy of the payload Slack sent (a dict; the ssl_check form as its string)."""
    return copy.deepcopy(document(name)["body"])


def replay_event(bot: RunningBot, payload: dict[str, Any], *, handled: bool = True) -> Reply:
    """Post an Events API payload, signed, and wait until the bot is done with it.

    Each replay gets an event_id of its own (Slack's retries share one; replays are not retries). A
    handled event is waited for by its id in the processed-events table; one the bot should ignore gets
    half a second to do anything; then the post-ack work is drained.
    """
    event_id = f"EvCAPTURED{next(_event_ids):06d}"
    payload["event_id"] = event_id
    reply = bot.slack.post(json.dumps(payload).encode(), "application/json")
    assert reply.status == 200, reply
    wait_until_done(bot, event_id, handled=handled)
    return reply


def wait_until_done(bot: RunningBot, event_id: str, *, handled: bool) -> None:
    """Until the bot is done with an event it acked: Bolt answers events first and runs the listener after,
    so a handled event is waited for by its id in the processed-events table, then the post-ack work is
    drained. An event the bot should ignore leaves no trace to wait for: it gets half a second."""
    deadline = time.monotonic() + (5.0 if handled else 0.5)
    while time.monotonic() < deadline:
        with bot.db.transaction() as session:
            if handled and session.get(ProcessedEvent, event_id) is not None:
                break
        time.sleep(0.02)
    else:
        assert not handled, f"event {event_id} was never handled"
    assert drain()


def replay_interaction(bot: RunningBot, payload: dict[str, Any]) -> Reply:
    """Post an interactivity payload (``payload=`` form field), signed."""
    return bot.slack.post_payload(payload)

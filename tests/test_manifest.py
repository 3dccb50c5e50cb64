"""The app manifest lists exactly what the app registers, with least-privilege scopes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.slack import ids
from bot.slack.scopes import BOT_SCOPES
from tests.conftest import RunningBot

MANIFEST = json.loads((Path(__file__).resolve().parents[1] / "manifest.json").read_text())


def test_slash_commands_match_registration(bot: RunningBot) -> None:
    manifest_commands = sorted(c["command"] for c in MANIFEST["features"]["slash_commands"])
    assert manifest_commands == sorted(bot.built.registrar.commands)
    assert manifest_commands == sorted(
        [ids.CMD_STAGE, ids.CMD_WIN, ids.CMD_STUCK, ids.CMD_FEEDBACK_QUESTIONS, ids.CMD_COACH]
    )


def test_shortcuts_match_registration(bot: RunningBot) -> None:
    manifest_shortcuts = sorted(s["callback_id"] for s in MANIFEST["features"].get("shortcuts", []))
    assert manifest_shortcuts == sorted(bot.built.registrar.shortcuts)


def test_events_match_registration(bot: RunningBot) -> None:
    manifest_events = sorted(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert manifest_events == sorted(set(bot.built.registrar.events))


def test_scopes_are_the_least_we_need() -> None:
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in MANIFEST["oauth_config"]["scopes"]


def test_only_coach_asks_slack_to_escape_mentions() -> None:
    escaping = {c["command"]: c["should_escape"] for c in MANIFEST["features"]["slash_commands"]}
    assert escaping.pop(ids.CMD_COACH) is True
    assert not any(escaping.values())


@pytest.mark.parametrize("command", [c["command"] for c in MANIFEST["features"]["slash_commands"]])
def test_every_manifest_command_is_answered(bot: RunningBot, command: str) -> None:
    reply = bot.slack.command(command, "help")
    assert reply.status == 200


def test_every_registered_action_and_view_id_is_a_constant(bot: RunningBot) -> None:
    constants = {value for name, value in vars(ids).items() if name.isupper() and isinstance(value, str)}
    assert set(bot.built.registrar.actions) <= constants
    assert set(bot.built.registrar.views) <= constants
    assert len(bot.built.registrar.actions) == len(set(bot.built.registrar.actions))

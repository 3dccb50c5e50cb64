"""The app manifests list exactly what the app registers, with least-privilege scopes.

Two manifests, one per mode: ``manifest.json`` (HTTP: Slack posts to ``/slack/events``) and
``manifest.socket.json`` (Socket Mode: no public URL). Each is checked against the listeners an app
built for that mode registers, and the two may differ only in the URLs and the Socket Mode switch.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from bot.blocks import ids
from bot.db.engine import Database
from bot.deps import Deps
from bot.slack.app import EVENTS_PATH, REDIRECT_PATH, build_app
from bot.slack.registrar import Registrar
from bot.slack.scopes import BOT_SCOPES
from content import Content
from tests.support.bots import RunningBot, make_settings
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
FILES = {"http": "manifest.json", "socket": "manifest.socket.json"}
MANIFESTS = {mode: json.loads((ROOT / name).read_text()) for mode, name in FILES.items()}
MANIFEST = MANIFESTS["http"]


@pytest.fixture(params=sorted(MANIFESTS))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def registered(
    mode: str, db: Database, fake_slack: FakeSlack, content: Content, database_url: str
) -> Iterator[Registrar]:
    """What an app built for ``mode``'s settings registers."""
    extra = {"slack_app_token": "xapp-1-test"} if mode == "socket" else {}
    settings = make_settings(database_url, fake_slack.api_url, **extra)
    assert settings.socket_mode is (mode == "socket")
    yield build_app(Deps(settings=settings, db=db, content=content)).registrar


def test_slash_commands_match_registration(mode: str, registered: Registrar) -> None:
    manifest_commands = sorted(c["command"] for c in MANIFESTS[mode]["features"]["slash_commands"])
    assert manifest_commands == sorted(registered.commands)
    assert manifest_commands == sorted(
        [ids.CMD_STAGE, ids.CMD_WIN, ids.CMD_STUCK, ids.CMD_FEEDBACK_QUESTIONS, ids.CMD_COACH]
    )


def test_shortcuts_match_registration(mode: str, registered: Registrar) -> None:
    manifest_shortcuts = sorted(s["callback_id"] for s in MANIFESTS[mode]["features"].get("shortcuts", []))
    assert manifest_shortcuts == sorted(registered.shortcuts)


def test_events_match_registration(mode: str, registered: Registrar) -> None:
    manifest_events = sorted(MANIFESTS[mode]["settings"]["event_subscriptions"]["bot_events"])
    assert manifest_events == sorted(set(registered.events))


def test_scopes_are_the_least_we_need(mode: str) -> None:
    assert sorted(MANIFESTS[mode]["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in MANIFESTS[mode]["oauth_config"]["scopes"]


def urls(node: Any, path: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"url", "request_url"} or key == "redirect_urls":
                found[f"{path}.{key}"] = value
            else:
                found.update(urls(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.update(urls(value, f"{path}[{index}]"))
    return found


def without_urls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: without_urls(v) for k, v in node.items() if k not in {"url", "request_url", "redirect_urls"}}
    if isinstance(node, list):
        return [without_urls(v) for v in node]
    return node


def test_http_manifest_sends_everything_to_the_events_route() -> None:
    found = urls(MANIFEST)
    redirects = found.pop(".oauth_config.redirect_urls")
    assert [urlparse(url).path for url in redirects] == [REDIRECT_PATH]
    assert len(found) == len(MANIFEST["features"]["slash_commands"]) + 2  # + events and interactivity
    assert {urlparse(url).path for url in found.values()} == {EVENTS_PATH}
    assert MANIFEST["settings"]["socket_mode_enabled"] is False


def test_socket_manifest_needs_no_public_url() -> None:
    socket = MANIFESTS["socket"]
    assert urls(socket) == {}
    assert socket["settings"]["socket_mode_enabled"] is True
    assert socket["settings"]["interactivity"]["is_enabled"] is True


def test_the_two_manifests_differ_only_in_urls_and_the_switch() -> None:
    http, socket = copy.deepcopy(without_urls(MANIFEST)), copy.deepcopy(without_urls(MANIFESTS["socket"]))
    http["settings"].pop("socket_mode_enabled")
    socket["settings"].pop("socket_mode_enabled")
    assert http == socket


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

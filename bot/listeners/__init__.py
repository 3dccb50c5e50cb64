"""Slack listeners, grouped by kind. Each group's ``register`` wires its handlers."""

from __future__ import annotations

from bot.listeners import actions, commands, events, shortcuts, views
from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    commands.register(registrar)
    actions.register(registrar)
    views.register(registrar)
    shortcuts.register(registrar)
    events.register(registrar)

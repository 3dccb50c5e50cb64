"""Registration that remembers what it registered, so the manifest can be checked against it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App

Handler = Callable[..., Any]


class Registrar:
    def __init__(self, app: App) -> None:
        self.app = app
        self.commands: list[str] = []
        self.actions: list[str] = []
        self.views: list[str] = []
        self.shortcuts: list[str] = []
        self.events: list[str] = []

    def command(self, name: str, handler: Handler, *, lazy: Sequence[Handler] = ()) -> None:
        self.commands.append(name)
        if lazy:
            self.app.command(name)(ack=handler, lazy=list(lazy))
        else:
            self.app.command(name)(handler)

    def action(self, action_id: str, handler: Handler, *, lazy: Sequence[Handler] = ()) -> None:
        self.actions.append(action_id)
        if lazy:
            self.app.action(action_id)(ack=handler, lazy=list(lazy))
        else:
            self.app.action(action_id)(handler)

    def view(self, callback_id: str, handler: Handler, *, lazy: Sequence[Handler] = ()) -> None:
        self.views.append(callback_id)
        if lazy:
            self.app.view(callback_id)(ack=handler, lazy=list(lazy))
        else:
            self.app.view(callback_id)(handler)

    def shortcut(self, callback_id: str, handler: Handler) -> None:
        self.shortcuts.append(callback_id)
        self.app.shortcut(callback_id)(handler)

    def event(self, event_type: str, handler: Handler) -> None:
        self.events.append(event_type)
        self.app.event(event_type)(handler)

"""Routing: one Bolt listener per kind, and each route registered with an explicit :class:`Policy`.

``registrar.command("/stage", stage_command, Policy.AFTER_ACK)`` runs after the ack;
``registrar.action(id, open_x, Policy.OPENS_MODAL)`` starts at once; a route whose policy
depends on the request passes a function of the body (``/win``: a modal when bare, saved before the
ack with text). How each policy meets Slack's clocks: :mod:`bot.slack.handling`; the post-ack queue:
:mod:`bot.slack.executor`; the request inbox: :mod:`bot.slack.durable`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack.acting import acting_member_id

# Re-exported: tests and other parts import these from here (the lead may move the imports).
from bot.slack.executor import POST_ACK_KEY, PostAckExecutor, drain
from bot.slack.handling import (
    BUSY_TEXT,
    Choose,
    Handler,
    Listener,
    MemberOf,
    Policy,
    deferred,
    post_ack_of,
    run_later,
    submission,
)
from bot.slack.reservation import Saturated

__all__ = [
    "BUSY_TEXT",
    "POST_ACK_KEY",
    "Policy",
    "PostAckExecutor",
    "Registrar",
    "Saturated",
    "drain",
    "post_ack_of",
    "run_later",
]

Route = Policy | Choose
"""A route's policy: one for every request, or chosen per request from its body."""


def _chooser(policy: Route) -> Choose:
    if isinstance(policy, Policy):
        return lambda body: policy
    return policy


def routed(kind: str, table: dict[str, Listener], key: Callable[[dict[str, Any]], str]) -> Listener:
    """One Bolt listener for a kind: it finds the request's listener by id (``key``) in ``table``."""

    def route(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        table[key(body)](ack, body, context, client, respond)

    route.__name__ = route.__qualname__ = f"route_{kind}"
    return route


def _exactly(ids: list[str]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(request_id) for request_id in ids) + ")$")


class Registrar:
    """Registers listeners by kind, remembering the ids (the manifest test compares them).

    Every handler takes one :class:`~bot.slack.request.Request`; ``member_of`` resolves its ``member_id``.

    Bolt is given one listener per kind (:meth:`finish`), which finds the handler by its id in a dict.
    Why not one Bolt listener per id: Bolt tries its listeners in turn, and each try builds that
    matcher's arguments (``build_required_kwargs``); with our 40-odd listeners that was 14 tries and 19
    argument builds per request on the ack path, 44% of ``App.dispatch`` (yappi, 880 requests of
    ``bench.load_http``). Bolt still matches each kind on exactly the registered ids (an anchored
    pattern), so an unknown id is unhandled, as before.
    """

    def __init__(self, app: App, post_ack: PostAckExecutor, member_of: MemberOf = acting_member_id) -> None:
        self.app = app
        self.post_ack = post_ack
        self.member_of = member_of
        self._tables: dict[str, dict[str, Listener]] = {kind: {} for kind in _KEYS}
        self._subscriptions: dict[str, str] = {}

    @property
    def commands(self) -> list[str]:
        return list(self._tables["command"])

    @property
    def actions(self) -> list[str]:
        return list(self._tables["action"])

    @property
    def views(self) -> list[str]:
        return list(self._tables["view"])

    @property
    def shortcuts(self) -> list[str]:
        return list(self._tables["shortcut"])

    @property
    def events(self) -> list[str]:
        """As the manifest names them ("message.im" for Bolt's "message")."""
        return [self._subscriptions.get(event_type, event_type) for event_type in self._tables["event"]]

    def drain(self, timeout: float = 10.0) -> bool:
        return self.post_ack.drain(timeout)

    def _add(self, kind: str, request_id: str, handler: Listener) -> None:
        if request_id in self._tables[kind]:
            raise ValueError(f"{kind} {request_id!r} is registered twice")
        self._tables[kind][request_id] = handler

    def _deferred(self, kind: str, handler: Handler, policy: Route) -> Listener:
        return deferred(
            handler, self.post_ack, _chooser(policy), event=kind == "event", member_of=self.member_of, kind=kind
        )

    def command(self, name: str, handler: Handler, policy: Route) -> None:
        self._add("command", name, self._deferred("command", handler, policy))

    def action(self, action_id: str, handler: Handler, policy: Route) -> None:
        self._add("action", action_id, self._deferred("action", handler, policy))

    def view(self, callback_id: str, handler: Handler, policy: Policy = Policy.VIEW_SUBMISSION) -> None:
        """Synchronous: the handler validates and answers through its own ``ack(...)``."""
        if policy is not Policy.VIEW_SUBMISSION:
            raise ValueError(f"view {callback_id!r}: a view submission answers in its ack, not {policy.value!r}")
        self._add("view", callback_id, submission(handler, self.member_of))

    def shortcut(self, callback_id: str, handler: Handler, policy: Route) -> None:
        self._add("shortcut", callback_id, self._deferred("shortcut", handler, policy))

    def event(self, event_type: str, handler: Handler, subscription: str | None = None) -> None:
        """After the ack; ``subscription`` is the manifest's name when it differs from Bolt's type ("message.im")."""
        if subscription:
            self._subscriptions[event_type] = subscription
        self._add("event", event_type, self._deferred("event", handler, Policy.AFTER_ACK))

    def finish(self) -> None:
        """Hand Bolt one listener per kind, after every handler was registered."""
        register = {
            "command": self.app.command,
            "action": self.app.action,
            "view": self.app.view,
            "shortcut": self.app.shortcut,
            "event": self.app.event,
        }
        for kind, table in self._tables.items():
            if table:
                register[kind](_exactly(list(table)))(routed(kind, table, _KEYS[kind]))


_KEYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "command": lambda body: str(body["command"]),
    # Bolt's action matcher also takes legacy attachment actions by callback_id (we post none).
    "action": lambda body: str(body["actions"][0].get("action_id") or body.get("callback_id")),
    "view": lambda body: str(body["view"]["callback_id"]),
    "shortcut": lambda body: str(body["callback_id"]),
    "event": lambda body: str(body["event"]["type"]),
}
"""Where each kind's id is in the request body: what Bolt's own matchers read."""

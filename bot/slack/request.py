"""What every listener gets: one :class:`Request` with the body, the means to answer, and our dependencies.

A listener is ``def handler(request: Request) -> None``. The registrar has acked already (unless the
route's policy is ``SAVES_BEFORE_ACK`` or ``VIEW_SUBMISSION``, whose handlers answer through
``request.ack``); ``request.member_id`` enrols the acting person on first read, after the ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.slack.deps import deps_of

Payload = dict[str, Any]


@dataclass(frozen=True)
class Request:
    body: Payload
    client: WebClient
    respond: Respond
    context: BoltContext
    member_of: Callable[[BoltContext], int]
    """Resolves the acting member (bot.slack.acting.acting_member_id: enrols on first contact, cached)."""
    real_ack: Ack | None = None
    """Bolt's ack, for the handlers that answer in it; None once the registrar has acked."""

    @property
    def deps(self) -> Deps:
        return deps_of(self.context)

    @property
    def member_id(self) -> int:
        """The acting member, resolved (and enrolled) when first read; raises LookupError when nobody acts."""
        return self.member_of(self.context)

    @property
    def ack(self) -> Ack:
        """Bolt's ack, for ``SAVES_BEFORE_ACK`` and ``VIEW_SUBMISSION`` routes only."""
        if self.real_ack is None:
            raise RuntimeError("this request was acked by the registrar already; answer with respond() or the client")
        return self.real_ack

    @property
    def command(self) -> Payload:
        """A slash command's payload (Bolt's ``command``: the body itself)."""
        return self.body

    @property
    def shortcut(self) -> Payload:
        return self.body

    @property
    def action(self) -> Payload:
        """The clicked element (Bolt's ``action``: the first of ``actions``)."""
        actions: list[Payload] = self.body.get("actions") or [{}]
        return actions[0]

    def with_action(self, action: Payload) -> Request:
        """The same request as if ``action`` had been clicked (a menu standing in for a button)."""
        return replace(self, body={**self.body, "actions": [action]})

    @property
    def view(self) -> Payload:
        view: Payload = self.body["view"]
        return view

    @property
    def event(self) -> Payload:
        event: Payload = self.body["event"]
        return event

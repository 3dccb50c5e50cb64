"""Where the Slack edge feeds :mod:`bot.metrics`: request kinds, the answer clock, Web API errors and 429s.

- A request's arrival time and kind are put in its Bolt context by the HTTP handler (``bot/server.py``)
  before Bolt dispatches it (Socket Mode: by :func:`instrument_request`, on arrival in the middleware).
- :func:`instrument_request` (called by the global middleware) makes the listeners' client a
  :class:`MeteredWebClient` (Bolt's per-request one, in place) and gives them a :class:`MeteredRespond`:
  the first answering call (views.open, chat.postEphemeral, a response_url reply...) stops the request's
  answer clock, whichever thread makes it after the ack.
- :class:`RateLimitCounter` is a retry handler that never retries: it counts every 429 (including those
  the next handler waits out and retries), by method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.request.payload_utils import is_action, is_event, is_shortcut, is_slash_command, is_view
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookResponse

from bot.metrics import AnswerTimer, Metrics
from bot.webapi.client import MeteredWebClient
from bot.webapi.keepalive import KeepAliveWebhookClient

RECEIVED_AT_KEY = "stagecoach_received_at"
KIND_KEY = "stagecoach_request_kind"
TIMER_KEY = "stagecoach_answer_timer"


def request_kind(body: dict[str, Any]) -> str:
    """command, action, view, shortcut, event or other, from Bolt's parsed request body."""
    if is_slash_command(body):
        return "command"
    if is_action(body):
        return "action"
    if is_view(body):
        return "view"
    if is_shortcut(body):
        return "shortcut"
    if is_event(body):
        return "event"
    return "other"


class MeteredRespond(Respond):
    """``respond()`` that stops the request's answer clock once the reply was accepted."""

    def __init__(self, *, timer: AnswerTimer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timer = timer

    def __call__(  # type: ignore[override]  # the same keywords, passed through to _build_message
        self, text: str | dict[str, Any] = "", **kwargs: Any
    ) -> WebhookResponse:
        # Bolt's Respond.__call__, posting through a keep-alive client (bot/webapi/keepalive.py) instead
        # of a new connection per answer; _build_message is how Bolt shapes the payload.
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **kwargs)
        client = KeepAliveWebhookClient(url=self.response_url, proxy=self.proxy, ssl=self.ssl)
        response: WebhookResponse = client.send_dict(message)
        if 200 <= response.status_code < 300:
            self.timer.answered()
        return response


def metered(client: WebClient, metrics: Metrics, on_answer: Callable[[], None] | None) -> MeteredWebClient:
    """The per-request client Bolt built, metered: the same object where it can be, else a copy.

    Bolt (1.15 and later; we require 1.30) builds a plain ``WebClient`` for each request in
    ``App._init_context`` and hands it to that request alone, so it becomes a :class:`MeteredWebClient` in
    place: the subclass only overrides ``api_call`` and the urllib transport and adds the two attributes
    set here, so the token Bolt's authorization put on it, its ``team_id`` and retry policy stay as they
    are, and no second client is built per request (one was, until issue 26). Any other client (a
    subclass, or a client shared between requests as Bolt's before 1.15 was) is copied instead: changing
    a shared one would meter every request with this one's answer clock.
    """
    if type(client) is WebClient:
        client.__class__ = MeteredWebClient
        assert isinstance(client, MeteredWebClient)  # for mypy: the class was just set
        client.metrics = metrics
        client.on_answer = on_answer
        return client
    return metered_copy(client, metrics, on_answer)


def metered_copy(client: WebClient, metrics: Metrics, on_answer: Callable[[], None] | None) -> MeteredWebClient:
    """A MeteredWebClient with the same token, URL and retry policy as ``client``."""
    metered = MeteredWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=client.retry_handlers,
        metrics=metrics,
        on_answer=on_answer,
    )
    metered.default_params = dict(client.default_params)  # team_id (org-wide installs) and the like
    return metered


def instrument_request(context: BoltContext, body: dict[str, Any], metrics: Metrics) -> None:
    """Start the request's answer clock, and give its listener a metered client and ``respond``."""
    received_at = context.get(RECEIVED_AT_KEY)
    kind = context.get(KIND_KEY)
    if received_at is None or kind is None:
        # Socket Mode: no HTTP handler saw the request first; it arrived just now.
        received_at = time.perf_counter()
        kind = request_kind(body)
        metrics.observe_request(kind)
    timer = AnswerTimer(metrics, kind, received_at)
    context[TIMER_KEY] = timer
    if context.client is not None:
        context["client"] = metered(context.client, metrics, timer.answered)
    if context.response_url:
        context["respond"] = MeteredRespond(
            timer=timer, response_url=context.response_url, proxy=context.client.proxy, ssl=context.client.ssl
        )

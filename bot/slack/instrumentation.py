"""Where the Slack edge feeds :mod:`bot.metrics`: request kinds, the answer clock, Web API errors and 429s.

- A request's arrival time and kind are put in its Bolt context by the HTTP handler (``bot/server.py``)
  before Bolt dispatches it (Socket Mode: by :func:`instrument_requests`, on arrival in the middleware).
- :func:`instrument_requests` (global middleware) gives listeners a :class:`MeteredWebClient` and a
  :class:`MeteredRespond`: the first answering call (views.open, chat.postEphemeral, a response_url
  reply...) stops the request's answer clock, whichever thread makes it after the ack.
- :class:`RateLimitCounter` is a retry handler that never retries: it counts every 429 (including those
  the next handler waits out and retries), by method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_bolt.request.payload_utils import is_action, is_event, is_shortcut, is_slash_command, is_view
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.webhook import WebhookResponse

from bot.metrics import AnswerTimer, Metrics

RECEIVED_AT_KEY = "stagecoach_received_at"
KIND_KEY = "stagecoach_request_kind"
TIMER_KEY = "stagecoach_answer_timer"

ANSWER_METHODS = frozenset(
    {
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
    }
)
"""Web API calls that put something in front of the person who asked."""


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


def api_method(url: str) -> str:
    """``https://slack.com/api/chat.postMessage?x`` -> ``chat.postMessage``."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class RateLimitCounter(RetryHandler):
    """Counts each 429 by method; never retries itself (the handlers after it decide)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=1_000_000)
        self._metrics = metrics

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            self._metrics.slack_429(api_method(request.url))
        return False


class MeteredWebClient(WebClient):
    """A WebClient that counts refusals by method and error, and tells ``on_answer`` of answering calls."""

    def __init__(self, *args: Any, metrics: Metrics, on_answer: Callable[[], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        self.on_answer = on_answer

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            self.metrics.slack_error(api_method, str(error or f"http_{exc.response.status_code}"))
            raise
        if self.on_answer is not None and api_method in ANSWER_METHODS:
            self.on_answer()
        return response


class MeteredRespond(Respond):
    """``respond()`` that stops the request's answer clock once the reply was accepted."""

    def __init__(self, *, timer: AnswerTimer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timer = timer

    def __call__(self, *args: Any, **kwargs: Any) -> WebhookResponse:
        response: WebhookResponse = super().__call__(*args, **kwargs)
        if 200 <= response.status_code < 300:
            self.timer.answered()
        return response


def metered_copy(client: WebClient, metrics: Metrics, on_answer: Callable[[], None] | None) -> MeteredWebClient:
    """The per-request client Bolt built, as a MeteredWebClient with the same token, URL and retry policy."""
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


def instrument_requests(metrics: Metrics) -> Callable[..., Any]:
    def instrument_requests_middleware(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
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
            context["client"] = metered_copy(context.client, metrics, timer.answered)
        if context.response_url:
            context["respond"] = MeteredRespond(
                timer=timer, response_url=context.response_url, proxy=context.client.proxy, ssl=context.client.ssl
            )
        next()

    return instrument_requests_middleware

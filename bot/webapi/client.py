"""Every WebClient the bot builds: the configured base URL and the retry policy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse

from bot.metrics import Metrics
from bot.webapi.keepalive import KeepAliveWebClient

WEB_API_TIMEOUT_SECONDS = 10

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


def api_method(url: str) -> str:
    """``https://slack.com/api/chat.postMessage?x`` -> ``chat.postMessage``."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class RateLimitCounter(RetryHandler):
    """Counts each 429 by method; never retries itself (the handlers after it decide)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=1_000_000)
        self._metrics = metrics

    def _can_retry(self, *, request: HttpRequest, response: HttpResponse | None = None, **_: object) -> bool:
        if response is not None and response.status_code == 429:
            self._metrics.slack_429(api_method(request.url))
        return False


class MeteredWebClient(KeepAliveWebClient):
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


def retry_handlers() -> list[RetryHandler]:
    """429s wait for Retry-After; 5xx and dropped connections back off; all bounded."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=3),
    ]


def make_web_client(
    base_url: str,
    token: str | None = None,
    *,
    handlers: list[RetryHandler] | None = None,
    timeout: int = WEB_API_TIMEOUT_SECONDS,
    logger: logging.Logger | None = None,
    metrics: Metrics | None = None,
) -> WebClient:
    """``handlers`` replaces the default retry policy (nudge delivery retries through its ledger).

    With ``metrics``, Slack's refusals and 429s are counted by method (see :class:`MeteredWebClient`).
    """
    policy = retry_handlers() if handlers is None else handlers
    if metrics is None:
        return KeepAliveWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=policy, logger=logger)
    return MeteredWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[RateLimitCounter(metrics), *policy],
        metrics=metrics,
        logger=logger,
    )

"""Every WebClient the bot builds: the configured base URL and the retry policy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

if TYPE_CHECKING:
    from bot.metrics import Metrics

WEB_API_TIMEOUT_SECONDS = 10


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

    With ``metrics``, Slack's refusals and 429s are counted by method (see bot/slack/instrumentation.py).
    """
    policy = retry_handlers() if handlers is None else handlers
    if metrics is None:
        return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=policy, logger=logger)
    from bot.slack.instrumentation import MeteredWebClient, RateLimitCounter

    return MeteredWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[RateLimitCounter(metrics), *policy],
        metrics=metrics,
        logger=logger,
    )

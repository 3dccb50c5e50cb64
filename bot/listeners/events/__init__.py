"""Events API subscriptions."""

from __future__ import annotations

from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    return None

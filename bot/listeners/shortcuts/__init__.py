"""Global and message shortcuts."""

from __future__ import annotations

from bot.blocks import ids
from bot.listeners.shortcuts.save_as_win import save_as_win
from bot.slack.registrar import Policy, Registrar


def register(registrar: Registrar) -> None:
    registrar.shortcut(ids.SHORTCUT_SAVE_AS_WIN, save_as_win, Policy.OPENS_MODAL)

"""Slash commands: ``/stage``, ``/win``, ``/stuck``, ``/feedback-questions``, ``/coach``."""

from __future__ import annotations

from bot.listeners.commands.stage import stage_command
from bot.slack import ids
from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    registrar.command(ids.CMD_STAGE, stage_command)

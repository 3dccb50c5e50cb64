"""Slash commands: ``/stage``, ``/win``, ``/stuck``, ``/feedback-questions``, ``/coach``."""

from __future__ import annotations

from bot.blocks import ids
from bot.listeners.commands.coach import coach_command, coach_policy
from bot.listeners.commands.feedback_questions import feedback_questions_command
from bot.listeners.commands.stage import stage_command
from bot.listeners.commands.stuck import stuck_command
from bot.listeners.commands.win import win_command, win_policy
from bot.slack.registrar import Policy, Registrar


def register(registrar: Registrar) -> None:
    registrar.command(ids.CMD_STAGE, stage_command, Policy.AFTER_ACK)
    registrar.command(ids.CMD_STUCK, stuck_command, Policy.AFTER_ACK)
    registrar.command(ids.CMD_WIN, win_command, win_policy)
    registrar.command(ids.CMD_COACH, coach_command, coach_policy)
    registrar.command(ids.CMD_FEEDBACK_QUESTIONS, feedback_questions_command, Policy.AFTER_ACK)

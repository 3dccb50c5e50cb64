"""Button and menu clicks (block_actions)."""

from __future__ import annotations

from bot.listeners.actions.stage import open_assessment, set_my_stage, show_stage
from bot.slack import ids
from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    registrar.action(ids.STAGE_SET_MINE, set_my_stage)
    registrar.action(ids.STAGE_SHOW, show_stage)
    registrar.action(ids.STAGE_SHOW_PREVIOUS, show_stage)
    registrar.action(ids.STAGE_OPEN_ASSESSMENT, open_assessment)

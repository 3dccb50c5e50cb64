"""Modal submissions (view_submission)."""

from __future__ import annotations

from bot.listeners.views.assessment import submit_assessment
from bot.slack import ids
from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    registrar.view(ids.ASSESSMENT_MODAL, submit_assessment)

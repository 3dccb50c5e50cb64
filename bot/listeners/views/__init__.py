"""Modal submissions (view_submission)."""

from __future__ import annotations

from bot.blocks import ids
from bot.listeners.views.assessment import submit_assessment
from bot.listeners.views.evidence import submit_evidence
from bot.listeners.views.help_request import submit_help_request
from bot.listeners.views.rating import submit_rating
from bot.listeners.views.review_date import submit_review_date
from bot.listeners.views.settings import submit_settings
from bot.listeners.views.win import submit_win
from bot.slack.registrar import Registrar


def register(registrar: Registrar) -> None:
    registrar.view(ids.ASSESSMENT_MODAL, submit_assessment)
    registrar.view(ids.HELP_REQUEST_MODAL, submit_help_request)
    registrar.view(ids.WIN_MODAL, submit_win)
    registrar.view(ids.SETTINGS_MODAL, submit_settings)
    registrar.view(ids.REVIEW_DATE_MODAL, submit_review_date)
    registrar.view(ids.RATING_MODAL, submit_rating)
    registrar.view(ids.EVIDENCE_MODAL, submit_evidence)

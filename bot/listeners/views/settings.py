"""The settings modal's submission: every value checked, all saved or none."""

from __future__ import annotations

import logging

from bot.blocks import ids
from bot.blocks.settings import OPT_REVIEW_REMINDERS, OPT_STUCK_NUDGES, OPT_WEEKLY_PROMPT
from bot.listeners.view_state import selected_time, selected_value, selected_values
from bot.services.settings import SettingsForm, SettingsInputError, save_settings
from bot.slack.handling import run_later
from bot.slack.home import publish_home
from bot.slack.request import Request

log = logging.getLogger(__name__)

FIELD_BLOCKS = {
    "stage": ids.SETTINGS_STAGE_BLOCK,
    "default_visibility": ids.SETTINGS_VISIBILITY_BLOCK,
    "prompt_weekday": ids.SETTINGS_PROMPT_DAY_BLOCK,
    "prompt_time": ids.SETTINGS_PROMPT_TIME_BLOCK,
    "timezone": ids.SETTINGS_TIMEZONE_BLOCK,
    "workdays": ids.SETTINGS_WORKDAYS_BLOCK,
    "quiet_start": ids.SETTINGS_QUIET_START_BLOCK,
    "quiet_end": ids.SETTINGS_QUIET_END_BLOCK,
}


def submit_settings(request: Request) -> None:
    wanted = set(selected_values(request.view, ids.SETTINGS_OPT_OUTS_BLOCK, ids.SETTINGS_INPUT))
    form = SettingsForm(
        stage=selected_value(request.view, ids.SETTINGS_STAGE_BLOCK, ids.SETTINGS_INPUT),
        default_visibility=selected_value(request.view, ids.SETTINGS_VISIBILITY_BLOCK, ids.SETTINGS_INPUT),
        prompt_weekday=selected_value(request.view, ids.SETTINGS_PROMPT_DAY_BLOCK, ids.SETTINGS_INPUT),
        prompt_time=selected_time(request.view, ids.SETTINGS_PROMPT_TIME_BLOCK, ids.SETTINGS_INPUT),
        timezone=selected_value(request.view, ids.SETTINGS_TIMEZONE_BLOCK, ids.SETTINGS_INPUT),
        weekly_prompt_enabled=OPT_WEEKLY_PROMPT in wanted,
        stuck_nudges_enabled=OPT_STUCK_NUDGES in wanted,
        review_reminders_enabled=OPT_REVIEW_REMINDERS in wanted,
        workdays=selected_values(request.view, ids.SETTINGS_WORKDAYS_BLOCK, ids.SETTINGS_INPUT)
        if ids.SETTINGS_WORKDAYS_BLOCK in (request.view.get("state") or {}).get("values", {})
        else None,
        quiet_start=selected_time(request.view, ids.SETTINGS_QUIET_START_BLOCK, ids.SETTINGS_INPUT),
        quiet_end=selected_time(request.view, ids.SETTINGS_QUIET_END_BLOCK, ids.SETTINGS_INPUT),
    )
    try:
        save_settings(request.deps.db, request.member_id, form, request.deps.clock())
    except SettingsInputError as error:
        log.info("settings input refused", extra={"member": request.member_id, "field": error.field})
        request.ack(
            response_action="errors", errors={FIELD_BLOCKS.get(error.field, ids.SETTINGS_STAGE_BLOCK): str(error)}
        )
        return
    request.ack()
    user_id = request.body["user"]["id"]
    run_later(
        request.context, "publish home", lambda: publish_home(request.client, request.deps, request.member_id, user_id)
    )

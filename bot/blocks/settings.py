"""The settings modal: stage, default visibility, weekly prompt day and time, timezone, opt-outs."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.kit import input_block, modal
from bot.blocks.text import context, option, plain
from bot.blocks.win_form import visibility_options as visibility_options_for
from bot.services.brag import Audience
from bot.services.settings import (
    FOLLOW_SLACK,
    WEEKDAYS,
    MemberSettings,
    format_minute,
    timezone_choices,
)
from content import Content

OPT_WEEKLY_PROMPT = "weekly_prompt"
OPT_STUCK_NUDGES = "stuck_nudges"
OPT_REVIEW_REMINDERS = "review_reminders"
NUDGE_LABELS = {
    OPT_WEEKLY_PROMPT: "Weekly prompt to record my wins",
    OPT_STUCK_NUDGES: "Stuck nudges (ask for help after 30 minutes)",
    OPT_REVIEW_REMINDERS: "Review reminders",
}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> dict[str, Any]:
    return input_block(block_id, label, {"action_id": ids.SETTINGS_INPUT, **element}, optional=optional, hint=hint)


def _select(options: list[dict[str, Any]], initial: str | None, placeholder: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "placeholder": plain(placeholder), "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def _workday_checkboxes(workdays: int) -> dict[str, Any]:
    day_options = [option(name, str(index)) for index, name in enumerate(WEEKDAYS)]
    element: dict[str, Any] = {"type": "checkboxes", "options": day_options}
    ticked = [o for index, o in enumerate(day_options) if workdays & (1 << index)]
    if ticked:
        element["initial_options"] = ticked
    return element


def _timepicker(minute: int | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "timepicker", "placeholder": plain("None")}
    if minute is not None:
        element["initial_time"] = format_minute(minute)
    return element


def settings_modal(content: Content, settings: MemberSettings, audience: Audience | None = None) -> dict[str, Any]:
    stage_options = [option(s.title, str(s.number)) for s in content.stages]
    visibility_options = visibility_options_for(audience, settings.default_visibility)
    day_options = [option(name, str(index)) for index, name in enumerate(WEEKDAYS)]
    follow = option(f"My Slack profile's timezone (now {settings.timezone})", FOLLOW_SLACK)
    tz_options = [follow, *(option(name.replace("_", " "), name) for name in timezone_choices(settings.timezone))]
    nudge_options = [option(label, value) for value, label in NUDGE_LABELS.items()]
    enabled = {
        OPT_WEEKLY_PROMPT: settings.weekly_prompt_enabled,
        OPT_STUCK_NUDGES: settings.stuck_nudges_enabled,
        OPT_REVIEW_REMINDERS: settings.review_reminders_enabled,
    }
    checkboxes: dict[str, Any] = {"type": "checkboxes", "options": nudge_options}
    initial_nudges = [o for o in nudge_options if enabled[o["value"]]]
    if initial_nudges:
        checkboxes["initial_options"] = initial_nudges
    radio: dict[str, Any] = {
        "type": "radio_buttons",
        "options": visibility_options,
        "initial_option": next(
            (o for o in visibility_options if o["value"] == settings.default_visibility), visibility_options[0]
        ),
    }
    blocks = [
        _input(
            ids.SETTINGS_STAGE_BLOCK,
            "Your stage",
            _select(stage_options, str(settings.stage) if settings.stage else None, "Pick your stage"),
            optional=settings.stage is None,
            hint="Your progress on Home counts evidence against this stage's exit criteria.",
        ),
        _input(ids.SETTINGS_VISIBILITY_BLOCK, "Who sees new wins by default", radio),
        _input(
            ids.SETTINGS_PROMPT_DAY_BLOCK,
            "Weekly prompt day",
            _select(day_options, str(settings.prompt_weekday), "Pick a day"),
        ),
        _input(
            ids.SETTINGS_PROMPT_TIME_BLOCK,
            "Weekly prompt time",
            {"type": "timepicker", "initial_time": format_minute(settings.prompt_minute)},
        ),
        _input(
            ids.SETTINGS_TIMEZONE_BLOCK,
            "Timezone",
            _select(tz_options, FOLLOW_SLACK if settings.timezone_from_slack else settings.timezone, "Pick one"),
        ),
        _input(
            ids.SETTINGS_WORKDAYS_BLOCK,
            "Working days",
            _workday_checkboxes(settings.workdays),
            hint="Nudges that fall on another day wait for your next working day, same time.",
        ),
        _input(
            ids.SETTINGS_QUIET_START_BLOCK,
            "Quiet hours start",
            _timepicker(settings.quiet_start_minute),
            optional=True,
            hint="No nudges between these times; one that falls inside waits until they end. Empty: none.",
        ),
        _input(ids.SETTINGS_QUIET_END_BLOCK, "Quiet hours end", _timepicker(settings.quiet_end_minute), optional=True),
        _input(
            ids.SETTINGS_OPT_OUTS_BLOCK,
            "Nudges I want",
            checkboxes,
            optional=True,
            hint="Untick any you'd rather not get.",
        ),
        context("You can also open this with `/coach settings`."),
    ]
    return modal(ids.SETTINGS_MODAL, "Settings", blocks, submit="Save", close="Cancel")

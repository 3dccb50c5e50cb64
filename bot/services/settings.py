"""A member's own settings: what they are, and changing them with every value checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.db.engine import Database
from bot.db.models import DEFAULT_WORKDAYS, Member, Visibility
from bot.services import stages
from bot.services.availability import paused_on
from bot.services.brag import Audience, audience_of
from bot.services.members import is_valid_timezone

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 24 * 60
FOLLOW_SLACK = "slack"
"""The timezone choice meaning "keep using the one in my Slack profile"."""

COMMON_TIMEZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Toronto",
    "America/Halifax",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Atlantic/Reykjavik",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Manila",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
)


class SettingsInputError(ValueError):
    """A setting a person can fix; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MemberSettings:
    """What a member has chosen, as plain data (the form's initial values, the Home summary)."""

    stage: int | None
    default_visibility: Visibility
    prompt_weekday: int
    prompt_minute: int
    timezone: str
    timezone_from_slack: bool
    weekly_prompt_enabled: bool
    stuck_nudges_enabled: bool
    review_reminders_enabled: bool
    workdays: int = DEFAULT_WORKDAYS
    """A bit per weekday, Monday = bit 0."""
    quiet_start_minute: int | None = None
    quiet_end_minute: int | None = None
    paused_until: date | None = None
    """Only while the pause is in force (an expired one reads as None)."""


def settings_of(member: Member, now: datetime | None = None) -> MemberSettings:
    return MemberSettings(
        stage=member.stage,
        default_visibility=member.default_visibility,
        prompt_weekday=member.prompt_weekday,
        prompt_minute=member.prompt_minute,
        timezone=member.timezone,
        timezone_from_slack=member.timezone_from_slack,
        weekly_prompt_enabled=member.weekly_prompt_enabled,
        stuck_nudges_enabled=member.stuck_nudges_enabled,
        review_reminders_enabled=member.review_reminders_enabled,
        workdays=member.workdays if member.workdays is not None else DEFAULT_WORKDAYS,
        quiet_start_minute=member.quiet_start_minute,
        quiet_end_minute=member.quiet_end_minute,
        paused_until=_pause_in_force(member, now),
    )


def _pause_in_force(member: Member, now: datetime | None) -> date | None:
    if now is None:
        return member.paused_until
    return member.paused_until if paused_on(member.paused_until, member.timezone, now) else None


@dataclass(frozen=True)
class SettingsForm:
    """What the settings form sent, still unchecked. ``None`` means "not answered"."""

    stage: str | None
    default_visibility: str | None
    prompt_weekday: str | None
    prompt_time: str | None
    """``HH:MM``, as Slack's timepicker sends it."""
    timezone: str | None
    """An IANA name or :data:`FOLLOW_SLACK`."""
    weekly_prompt_enabled: bool
    stuck_nudges_enabled: bool
    review_reminders_enabled: bool
    workdays: list[str] | None = None
    """Weekday indexes (``"0"`` = Monday) ticked; None = the form did not ask (keep what is saved)."""
    quiet_start: str | None = None
    """``HH:MM`` or None (no quiet window); both ends or neither."""
    quiet_end: str | None = None


def format_minute(minute: int) -> str:
    """Minutes after midnight as ``HH:MM``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_time(value: str | None, field: str = "prompt_time") -> int:
    """``HH:MM`` → minutes after midnight."""
    text = (value or "").strip()
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise SettingsInputError(field, "Pick a time like 16:00.")
    minute = int(hours) * 60 + int(minutes)
    if int(hours) > 23 or int(minutes) > 59 or not 0 <= minute < MINUTES_PER_DAY:
        raise SettingsInputError(field, "Pick a time between 00:00 and 23:59.")
    return minute


def _workdays(values: list[str]) -> int:
    days = {int(value) for value in values if value.isdigit() and 0 <= int(value) <= 6}
    if not days:
        raise SettingsInputError("workdays", "Tick at least one working day.")
    return sum(1 << day for day in days)


def _quiet_window(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    if not (start or "").strip() and not (end or "").strip():
        return None, None
    if not (start or "").strip():
        raise SettingsInputError("quiet_start", "Pick when quiet hours start too (or clear both).")
    if not (end or "").strip():
        raise SettingsInputError("quiet_end", "Pick when quiet hours end too (or clear both).")
    first, last = parse_time(start, "quiet_start"), parse_time(end, "quiet_end")
    if first == last:
        raise SettingsInputError("quiet_end", "Quiet hours need to end at a different time than they start.")
    return first, last


def _stage(value: str | None) -> int | None:
    if not value:
        return None
    number = stages.stage_number(value)
    if number is None:
        raise SettingsInputError("stage", "Pick a stage from 1 to 5.")
    return number


def _visibility(value: str | None) -> Visibility:
    try:
        return Visibility(value or "")
    except ValueError:
        raise SettingsInputError("default_visibility", "Pick who sees new wins by default.") from None


def _weekday(value: str | None) -> int:
    if value is None or not value.isdigit() or not 0 <= int(value) <= 6:
        raise SettingsInputError("prompt_weekday", "Pick a day of the week.")
    return int(value)


def _timezone(value: str | None) -> str:
    name = (value or "").strip()
    if name != FOLLOW_SLACK and not (name and len(name) <= 64 and is_valid_timezone(name)):
        raise SettingsInputError("timezone", "Pick a timezone from the list.")
    return name


def apply_settings(member: Member, form: SettingsForm, now: datetime) -> None:
    """Check every value, then save them all (or none: the first bad value raises)."""
    stage = _stage(form.stage)
    visibility = _visibility(form.default_visibility)
    weekday = _weekday(form.prompt_weekday)
    minute = parse_time(form.prompt_time)
    timezone = _timezone(form.timezone)
    workdays = _workdays(form.workdays) if form.workdays is not None else member.workdays
    quiet_start, quiet_end = _quiet_window(form.quiet_start, form.quiet_end)

    if stage is not None and stage != member.stage:
        stages.set_stage(member, stage, now)
    member.default_visibility = visibility
    member.prompt_weekday = weekday
    member.prompt_minute = minute
    if timezone == FOLLOW_SLACK:
        if not member.timezone_from_slack:
            # Back to Slack's value: the next request refreshes it from the profile.
            member.timezone_from_slack = True
            member.timezone_refreshed_at = None
    else:
        # A timezone the person picked is theirs: Slack's profile stops overwriting it.
        member.timezone = timezone
        member.timezone_from_slack = False
    member.weekly_prompt_enabled = form.weekly_prompt_enabled
    if form.weekly_prompt_enabled and member.prompts_chosen_at is None:
        member.prompts_chosen_at = now  # saved with prompts on: they want them (bot/nudges/kinds/weekly_prompt.py)
    member.stuck_nudges_enabled = form.stuck_nudges_enabled
    member.review_reminders_enabled = form.review_reminders_enabled
    member.workdays = workdays
    member.quiet_start_minute = quiet_start
    member.quiet_end_minute = quiet_end


def save_settings(db: Database, member_id: int, form: SettingsForm, now: datetime) -> None:
    """:func:`apply_settings` to the member in a transaction of its own: all saved, or none."""
    with db.transaction() as session:
        apply_settings(stages.load_member(session, member_id), form, now)


def timezone_choices(current: str) -> list[str]:
    """The timezones the form offers: the common ones, plus the member's own if it is not one of them."""
    if current in COMMON_TIMEZONES:
        return list(COMMON_TIMEZONES)
    return [current, *COMMON_TIMEZONES]


@dataclass(frozen=True)
class CurrentSettings:
    """What the settings modal opens with: the member's values, and who their sharing choices reach."""

    settings: MemberSettings
    audience: Audience


def current_settings(db: Database, member_id: int) -> CurrentSettings:
    with db.transaction() as session:
        member = stages.load_member(session, member_id)
        return CurrentSettings(settings_of(member), audience_of(session, member))

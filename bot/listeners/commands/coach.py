"""``/coach <subcommand>``: one command, a dispatch table of subcommands.

To add a subcommand, write a handler
taking a :class:`CoachRequest` and add a :class:`Subcommand` to :data:`SUBCOMMANDS`; ``help``
lists whatever the table holds. ``/coach`` has ``should_escape`` on, so mentions arrive as
``<@U123|name>`` and channels as ``<#C123|name>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.blocks.brag import problem_message
from bot.blocks.coach import coach_help_message
from bot.listeners.actions.home import open_settings_modal
from bot.listeners.commands.coach_delete import delete_my_data_subcommand
from bot.listeners.commands.coach_digest import digest_subcommand
from bot.listeners.commands.coach_export import export_subcommand
from bot.listeners.commands.coach_github import github_subcommand
from bot.listeners.commands.coach_manager import manager_subcommand
from bot.listeners.commands.coach_pause import pause_subcommand, resume_subcommand
from bot.listeners.commands.coach_wins import wins_subcommand
from bot.listeners.requests import CoachRequest
from bot.slack.handling import Policy
from bot.slack.mentions import unescape
from bot.slack.request import Request


@dataclass(frozen=True)
class Subcommand:
    usage: str
    """How help shows it after ``/coach``, e.g. ``manager @someone``."""
    summary: str
    handler: Callable[[CoachRequest], None]


def parse_coach_text(text: str) -> tuple[str, str]:
    """``"Export  now"`` → ``("export", "now")``: the subcommand (lower-case) and the rest as typed."""
    name, _, rest = text.strip().partition(" ")
    return name.lower(), rest.strip()


def _help(request: CoachRequest) -> None:
    request.respond(**help_message())


def _settings(request: CoachRequest) -> None:
    if not open_settings_modal(request.client, request.deps, request.member_id, request.trigger_id):
        request.respond(**problem_message("I couldn't open your settings just now. Please try again."))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": Subcommand("help", "this list", _help),
    "settings": Subcommand(
        "settings", "your stage, default visibility, weekly prompt day and time, timezone, opt-outs", _settings
    ),
    "export": Subcommand(
        "export", "your brag document as Markdown, and all your data as JSON, in a DM", export_subcommand
    ),
    "manager": Subcommand(
        "manager @someone", "name your manager: they see only the wins you share (`remove` unlinks)", manager_subcommand
    ),
    "digest": Subcommand(
        "digest #channel", "for managers: your team's weekly digest in that channel (`off` stops it)", digest_subcommand
    ),
    "wins": Subcommand(
        "wins [this quarter | last 90 days | since 2026-01-01 | words]",
        "find your own wins by period or by words",
        wins_subcommand,
    ),
    "github": Subcommand(
        "github [connect | connect private | find | disconnect]",
        "link GitHub: I offer what you merged, reviewed and closed; nothing counts until you save it",
        github_subcommand,
    ),
    "pause": Subcommand(
        "pause until 2027-01-05", "no nudges at all until that date (`resume` ends it early)", pause_subcommand
    ),
    "resume": Subcommand("resume", "end a pause early: nudges are on again", resume_subcommand),
    "delete-my-data": Subcommand(
        "delete-my-data", "delete everything Stagecoach holds about you (asks first)", delete_my_data_subcommand
    ),
}
ALIASES = {"": "help", "?": "help"}


def help_message(unknown: str | None = None) -> dict[str, Any]:
    available = [(sub.usage, sub.summary) for sub in SUBCOMMANDS.values()]
    return coach_help_message(available, unknown=unknown)


def coach_policy(body: dict[str, Any]) -> Policy:
    """``/coach settings`` opens a modal; every other subcommand answers after the ack."""
    name = parse_coach_text(body.get("text") or "")[0]
    return Policy.OPENS_MODAL if ALIASES.get(name, name) == "settings" else Policy.AFTER_ACK


def coach_command(
    request: Request,
) -> None:
    name, args = parse_coach_text(request.command.get("text") or "")
    name = ALIASES.get(name, name)
    subcommand = SUBCOMMANDS.get(name)
    if subcommand is None:
        # Slack escapes /coach text (should_escape); undo it so the reply escapes it exactly once.
        request.respond(**help_message(unknown=unescape(name)))
        return
    coach_request = CoachRequest(
        args=args,
        user_id=request.command["user_id"],
        member_id=request.member_id,
        trigger_id=request.command.get("trigger_id", ""),
        deps=request.deps,
        client=request.client,
        respond=request.respond,
        bot_user_id=request.context.bot_user_id,
        team_id=request.context.team_id or "",
    )
    subcommand.handler(coach_request)

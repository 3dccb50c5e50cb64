"""The App Home tab: your stage, progress against its exit criteria, recent wins, settings, next step."""

from __future__ import annotations

from typing import Any

from bot.blocks.brag import VISIBILITY_ICONS, mention, quoted
from bot.blocks.text import (
    actions,
    bar,
    button,
    confirm_dialog,
    context,
    divider,
    escape,
    header,
    plain,
    section,
    sections,
    truncate,
)
from bot.db.models import Visibility
from bot.services.brag import EntrySummary
from bot.services.digest import ReportDigest, TeamDigest
from bot.services.home import HomeSnapshot, NextStep
from bot.services.progress import StageProgress
from bot.services.settings import WEEKDAYS, MemberSettings, format_minute
from bot.slack import ids
from content import Content

MAX_HOME_WINS = 20
"""A hard cap whatever the snapshot holds: each win takes two blocks of Home's 100."""
MAX_TEAM_LINES = 80
"""Reports listed on a manager's Home (a line each, packed into a few sections); the digest has all."""


def _stage_blocks(content: Content, settings: MemberSettings) -> list[dict[str, Any]]:
    if settings.stage is None:
        return [
            section(
                "*You haven't set your stage yet.*\n"
                "Stages describe what you own, not your title. Set yours with `/stage` and I'll track "
                "your progress against its exit criteria here."
            ),
            actions(
                button("Find my stage", ids.STAGE_OPEN_ASSESSMENT, style="primary"),
                button("Record a win", ids.WIN_OPEN_MODAL),
                button("Settings", ids.HOME_OPEN_SETTINGS),
            ),
        ]
    stage = content.stage(settings.stage)
    following = content.next_stage(stage.number)
    onward = (
        f"Next: *{following.title}* — {following.summary}"
        if following is not None
        else "This is the last stage: what's left is to keep growing the people and the organisation around you."
    )
    return [
        section(f":round_pushpin: *{stage.title}*\n_{stage.summary}_\n{onward}"),
        actions(
            button("Record a win", ids.WIN_OPEN_MODAL, style="primary"),
            button("Settings", ids.HOME_OPEN_SETTINGS),
        ),
    ]


def _progress_blocks(progress: StageProgress) -> list[dict[str, Any]]:
    total = progress.total
    done = progress.with_evidence
    bars = (
        f"`With evidence` {bar(done, total)} *{done}* of {total}\n"
        f"`Still open   ` {bar(total - done, total)} *{total - done}* of {total}"
    )
    lines = []
    for item in progress.criteria:
        if item.has_evidence:
            wins = f"{item.evidence_count} win" + ("" if item.evidence_count == 1 else "s")
            lines.append(f":white_check_mark: {item.criterion.text} _({wins})_")
        else:
            lines.append(f":white_circle: {item.criterion.text}")
    return sections(f"*Exit criteria: {progress.stage.title}*\n{bars}", lines)


def _next_step_blocks(content: Content, progress: StageProgress, step: NextStep, has_wins: bool) -> dict[str, Any]:
    lines = ["*What to do next*"]
    if not has_wins:
        lines.append("• Start with one win: `/win` what you shipped, fixed or unblocked this week.")
    if step.criterion is not None:
        lines.append(
            f"• Find or create evidence for _{step.criterion.text}_, then record it with `/win` and tag the criterion."
        )
    else:
        following = content.next_stage(progress.stage.number)
        target = f"the case for *{following.title}*" if following is not None else "the record of your impact"
        lines.append(
            f"• You have evidence for every exit criterion of {progress.stage.title}. "
            f"Take it to your manager: it is {target}. `/coach export` makes it a document."
        )
    if step.tactic is not None:
        lines.append(f"• :bulb: *{step.tactic.name}*: {step.tactic.tip}")
    return section("\n".join(lines))


def _link(url: str) -> str:
    # Escaped, and a "|" cannot end the URL early: the label is ours.
    return f"<{escape(url).replace('|', '%7C')}|link>"


def _date(entry: EntrySummary) -> str:
    # Slack shows the date in the viewer's own timezone; the fallback is the UTC date.
    stamp = int(entry.created_at.timestamp())
    return f"<!date^{stamp}^{{date_short}}|{entry.created_at.date().isoformat()}>"


def entry_blocks(content: Content, entry: EntrySummary) -> list[dict[str, Any]]:
    """One win: what, why it mattered, evidence and who sees it; Edit and Delete (with a confirm)."""
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    who = "only you" if entry.visibility == Visibility.PRIVATE.value else "you and your manager"
    facts = [f"*{_date(entry)}*", f"{icon} {who}"]
    if entry.link:
        facts.append(_link(entry.link))
    if entry.credited_user_id:
        facts.append(f"from {mention(entry.credited_user_id)}'s message")
    parts = [" · ".join(facts), quoted(entry.what, 600)]
    if entry.impact:
        parts.append(f"_Why it mattered:_ {escape(truncate(entry.impact, 300))}")
    if entry.lesson:
        parts.append(f"_Next time:_ {escape(truncate(entry.lesson, 200))}")
    if entry.evidence_keys:
        labels = [truncate(content.evidence_label(key) or key, 60) for key in entry.evidence_keys]
        parts.append(":dart: " + "; ".join(labels))
    delete_confirm = confirm_dialog(
        "Delete this win?",
        f"“{escape(truncate(entry.what, 50))}” will be gone from your brag document for good.",
        "Delete",
    )
    return [
        section("\n".join(parts)),
        actions(
            button("Edit", ids.WIN_EDIT, str(entry.id)),
            button("Delete", ids.WIN_DELETE, str(entry.id), style="danger", confirm=delete_confirm),
        ),
    ]


def _settings_summary(settings: MemberSettings) -> dict[str, Any]:
    visibility = "private" if settings.default_visibility == Visibility.PRIVATE.value else "shared with your manager"
    tz = escape(settings.timezone) + (" (from Slack)" if settings.timezone_from_slack else "")
    prompt = (
        f"{WEEKDAYS[settings.prompt_weekday % 7]}s at {format_minute(settings.prompt_minute)}, {tz}"
        if settings.weekly_prompt_enabled
        else "off"
    )
    lines = [
        "*Settings*",
        f"• New wins: {visibility}",
        f"• Weekly win prompt: {prompt}",
        f"• Stuck nudges: {'on' if settings.stuck_nudges_enabled else 'off'}",
        f"• Review reminders: {'on' if settings.review_reminders_enabled else 'off'}",
        f"• Working days: {_days(settings.workdays)}{_quiet(settings)}",
    ]
    block = section("\n".join(lines))
    block["accessory"] = button("Change settings", ids.HOME_OPEN_SETTINGS)
    return block


def _days(workdays: int) -> str:
    if workdays & 0b1111111 == 0b0011111:
        return "Monday to Friday"
    return ", ".join(name[:3] for index, name in enumerate(WEEKDAYS) if workdays & (1 << index)) or "every day"


def _quiet(settings: MemberSettings) -> str:
    if settings.quiet_start_minute is None or settings.quiet_end_minute is None:
        return ""
    return f"; quiet {format_minute(settings.quiet_start_minute)}-{format_minute(settings.quiet_end_minute)}"


def _pause_blocks(settings: MemberSettings) -> list[dict[str, Any]]:
    """Paused: say so, with Resume. Otherwise a date picker that pauses every nudge until the date."""
    if settings.paused_until is not None:
        return [
            section(
                f":double_vertical_bar: *Nudges paused until {settings.paused_until:%A} "
                f"{settings.paused_until.isoformat()}.* No prompts, reminders or stuck follow-ups before then."
            ),
            actions(button("Resume now", ids.HOME_RESUME, style="primary")),
        ]
    picker = {"type": "datepicker", "action_id": ids.HOME_PAUSE_UNTIL, "placeholder": plain("Pause until…")}
    return [
        section("*Away for a while?* Pick a date and every nudge waits until then (or `/coach pause until …`)."),
        {"type": "actions", "elements": [picker]},
    ]


def _team_line(report: ReportDigest) -> str:
    line = f"• *{escape(truncate(report.name, 60))}*"
    line += f" · Stage {report.stage.number}" if report.stage else " · no stage set"
    if report.progress is not None and report.progress.total:
        line += f" `{bar(report.progress.with_evidence, report.progress.total, width=6)}`"
        line += f" {report.progress.with_evidence}/{report.progress.total}"
    line += f" · {report.wins_total} shared this week" if report.wins_total else " · nothing shared this week"
    if report.may_be_ready:
        line += " · :seedling: may be ready for the next stage"
    return line


def _team_blocks(team: TeamDigest) -> list[dict[str, Any]]:
    lines = [_team_line(report) for report in team.reports[:MAX_TEAM_LINES]]
    if len(team.reports) > MAX_TEAM_LINES:
        lines.append(f"_…and {len(team.reports) - MAX_TEAM_LINES} more in your weekly digest._")
    return [
        divider(),
        header("Your team"),
        *sections("", lines),
        context(
            "Only what your reports chose to share with you, over the last seven days. Progress counts shared wins."
        ),
    ]


def home_view(content: Content, snapshot: HomeSnapshot) -> dict[str, Any]:
    settings = snapshot.settings
    blocks: list[dict[str, Any]] = [header("Your Stagecoach"), *_stage_blocks(content, settings)]
    if snapshot.progress is not None:
        blocks.append(divider())
        blocks += _progress_blocks(snapshot.progress)
        if snapshot.next_step is not None:
            blocks.append(_next_step_blocks(content, snapshot.progress, snapshot.next_step, snapshot.total_entries > 0))
    blocks += [divider(), header("Recent wins")]
    recent = snapshot.recent[:MAX_HOME_WINS]
    if not recent:
        blocks.append(
            section(
                "No wins yet. Record one with `/win shipped the thing`, or *Save as win* on a message "
                "(a thank-you counts). Wins are private unless you choose to share them."
            )
        )
    for entry in recent:
        blocks += entry_blocks(content, entry)
    if snapshot.total_entries > len(recent):
        blocks.append(
            context(
                f"Showing your {len(recent)} most recent of {snapshot.total_entries} wins. "
                "`/coach export` has them all."
            )
        )
    if snapshot.team is not None:
        blocks += _team_blocks(snapshot.team)
    blocks += [
        divider(),
        _settings_summary(settings),
        *_pause_blocks(settings),
        context("`/win` record a win · `/stage` your stage · `/coach export` your brag doc · `/coach help` more"),
    ]
    return {"type": "home", "blocks": blocks}


def home_deleted_view() -> dict[str, Any]:
    """Home after delete-my-data: nothing of theirs left to show."""
    return {
        "type": "home",
        "blocks": [
            header("Your Stagecoach"),
            section(
                ":wastebasket: *Your data was deleted.* I hold nothing about you any more.\n"
                "If you use Stagecoach again (a command, a button, or opening this tab), it starts a fresh, "
                "empty profile."
            ),
        ],
    }

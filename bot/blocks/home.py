"""The App Home tab: your stage, progress against its exit criteria, recent wins, settings, next step."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.brag import SIGNAL_ICONS, VISIBILITY_ICONS, mention, quoted
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
from bot.services import growth
from bot.services.brag import EntrySummary
from bot.services.digest import ReportDigest, TeamDigest
from bot.services.growth import QuarterGrowth, Readiness, sparkline
from bot.services.home import RECENT_WINS, HomeSnapshot, NextStep
from bot.services.progress import StageProgress
from bot.services.settings import WEEKDAYS, MemberSettings, format_minute
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
        target = (
            f"the start of the case for *{following.title}*" if following is not None else "the record of your impact"
        )
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


VISIBILITY_SHORT = {
    Visibility.PRIVATE: "only you",
    Visibility.MANAGER: "you and your manager (DM)",
    Visibility.TEAM_CHANNEL: "your manager's team channel",
}
VISIBILITY_SETTING = {
    Visibility.PRIVATE: "private",
    Visibility.MANAGER: "shared with your manager (a DM, never a channel)",
    Visibility.TEAM_CHANNEL: "shared in your manager's team digest channel",
}


def entry_blocks(content: Content, entry: EntrySummary) -> list[dict[str, Any]]:
    """One win: what, why it mattered, evidence and who sees it; Edit and Delete (with a confirm)."""
    icon = VISIBILITY_ICONS.get(entry.visibility, ":lock:")
    who = VISIBILITY_SHORT.get(entry.visibility, "only you")
    facts = [f"*{_date(entry)}*", f"{icon} {who}"]
    if entry.link:
        facts.append(_link(entry.link))
    if entry.credited_user_id:
        facts.append(f"from {mention(entry.credited_user_id)}'s message")
    if entry.growth_signal in SIGNAL_ICONS:
        facts.append(f"{SIGNAL_ICONS[entry.growth_signal]} {entry.growth_signal}")
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
    visibility = VISIBILITY_SETTING.get(settings.default_visibility, "private")
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
    if report.wins_total:
        line += f" · {report.wins_total} shared this week"
    if report.may_be_ready:
        line += " · :seedling: may be ready for the next stage"
    return line


def _team_blocks(team: TeamDigest) -> list[dict[str, Any]]:
    # Named only with what they shared (this week's wins, or evidence shared before); the rest are a count.
    shown = [r for r in team.reports if r.wins_total or (r.progress is not None and r.progress.with_evidence)]
    lines = [_team_line(report) for report in shown[:MAX_TEAM_LINES]]
    if len(shown) > MAX_TEAM_LINES:
        lines.append(f"_…and {len(shown) - MAX_TEAM_LINES} more in your weekly digest._")
    quiet = len(team.reports) - len(shown)
    if quiet:
        lines.append(f"_{quiet} report{'s' if quiet != 1 else ''} shared nothing with you this week._")
    return [
        divider(),
        header("Your team"),
        *sections("", lines),
        context(
            "Only what your reports chose to share with you, over the last seven days. Progress counts shared wins."
        ),
    ]


def _wins_paging_blocks(snapshot: HomeSnapshot, shown: int) -> list[dict[str, Any]]:
    """Where this page sits among all the member's wins, and Newer / Older to page through them."""
    first = snapshot.wins_page * RECENT_WINS + 1
    last = first + shown - 1
    buttons = []
    if snapshot.wins_page > 0:
        buttons.append(button("Newer", ids.HOME_WINS_PAGE, str(snapshot.wins_page - 1)))
    if last < snapshot.total_entries:
        buttons.append(button("Older", ids.HOME_WINS_PAGE, str(snapshot.wins_page + 1)))
    blocks: list[dict[str, Any]] = [
        context(
            f"Wins {first}–{last} of {snapshot.total_entries}, newest first. "
            "`/coach wins` finds them by period or words; `/coach export` has them all."
        )
    ]
    if buttons:
        blocks.append(actions(*buttons))
    return blocks


def home_view(content: Content, snapshot: HomeSnapshot) -> dict[str, Any]:
    settings = snapshot.settings
    blocks: list[dict[str, Any]] = [header("Your Stagecoach"), *_stage_blocks(content, settings)]
    if snapshot.progress is not None:
        blocks.append(divider())
        blocks += _progress_blocks(snapshot.progress)
        if snapshot.next_step is not None:
            blocks.append(_next_step_blocks(content, snapshot.progress, snapshot.next_step, snapshot.total_entries > 0))
        blocks += growth_blocks(snapshot)
    blocks += [divider(), header("Recent wins" if snapshot.wins_page == 0 else "Your wins")]
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
        blocks += _wins_paging_blocks(snapshot, len(recent))
    if snapshot.team is not None:
        blocks += _team_blocks(snapshot.team)
        blocks += team_growth_blocks(snapshot.team)
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


# -- growth over time (decide / propose / learn, sustained readiness, the team's trend) ------------

MAX_GROWTH_REPORTS = 25
"""Reports shown with their trend and involvement on a manager's Home (a few lines each, packed into
sections of up to 3,000 characters: 25 reports take about 5 blocks); the digest has everyone."""


def readiness_lines(readiness: Readiness, *, own: bool) -> list[str]:
    """What "may be ready" rests on, or what is missing: which criteria, which months."""
    if readiness.next_stage is None:
        return []
    target = readiness.next_stage.title
    window = len(readiness.months)
    shown = f"{readiness.months_with_evidence} of the last {window} months"
    if readiness.may_be_ready:
        who = "You may be ready" if own else "May be ready"
        return [
            f":seedling: *{who} for {target}*: every exit criterion has evidence, and next-stage work shows in "
            f"{shown} (the roadmap asks for it *consistently*)."
        ]
    lines = [f"*Not yet ready for {target}.* What's missing:"]
    if readiness.missing_criteria:
        missing = "; ".join(truncate(c.text, 80) for c in readiness.missing_criteria)
        lines.append(f"• Exit criteria without evidence: {missing}")
    if not readiness.sustained:
        empty = ", ".join(month.label for month in readiness.months_without_evidence)
        lines.append(f"• Next-stage evidence in {shown} (needs {readiness.months_needed}). Months without any: {empty}")
    return lines


def _readiness_block(readiness: Readiness) -> list[dict[str, Any]]:
    lines = readiness_lines(readiness, own=True)
    if not lines:
        return []
    if not readiness.may_be_ready and not readiness.sustained and readiness.next_stage is not None:
        lines.append(
            f"_A win is next-stage evidence when it shows a {readiness.next_stage.title} exit criterion, or when you "
            "decided or proposed something that stage decides or proposes._"
        )
    return [section("\n".join(lines))]


def _quarter_lines(quarter: QuarterGrowth) -> list[str]:
    lines = [f"*{quarter.label}* · {quarter.wins} win{'s' if quarter.wins != 1 else ''}"]
    for coverage in quarter.lists:
        done = len(coverage.evidenced)
        line = f"`{coverage.title:<11}` {bar(done, len(coverage.items), width=5)} {done}/{len(coverage.items)}"
        if coverage.evidenced:
            line += ": " + "; ".join(escape(item.text) for item in coverage.evidenced)
        lines.append(line)
    if quarter.next_stage:
        ahead = "; ".join(
            f"{'decide' if item.list_name == 'decides' else 'propose'} {escape(item.text)}"
            for item in quarter.next_stage
        )
        lines.append(f":seedling: Already at the next stage: you {ahead}")
    return lines


def growth_blocks(snapshot: HomeSnapshot) -> list[dict[str, Any]]:
    """App Home: readiness for the next stage, and decide / propose / learn by quarter."""
    if snapshot.progress is None:
        return []
    blocks: list[dict[str, Any]] = [divider(), header("Growth over time")]
    if snapshot.readiness is not None:
        blocks += _readiness_block(snapshot.readiness)
    stage = snapshot.progress.stage
    if not snapshot.quarters:
        blocks.append(
            section(
                f"*Decide, propose, learn.* The roadmap tracks growth by which of {stage.title}'s decisions you "
                "make, which you propose and which you are learning. Say it in your wins (`/win decided to …`, "
                "`/win proposed …`, `/win learned …`) and I'll show each quarter here."
            )
        )
        return blocks
    lines: list[str] = []
    for quarter in snapshot.quarters:
        lines += [*_quarter_lines(quarter), ""]
    blocks += sections(f"*Decide, propose, learn: {stage.title}, by quarter*", lines[:-1])
    return blocks


def _trend_text(report: ReportDigest) -> str:
    if not report.trend:
        return ""
    counts = " · ".join(f"{month.month:%b} {month.count}" for month in report.trend)
    return f"`{sparkline(report.trend)}` {counts}"


def team_growth_lines(report: ReportDigest) -> list[str]:
    """One report on the manager's Home: trend, readiness, the manager's involvement, a 1:1 prompt."""
    stage = report.stage.title if report.stage is not None else "no stage set"
    lines = [f"*{escape(truncate(report.name, 60))}* · {stage}"]
    if report.trend:
        lines.append(f"Evidence per month: {_trend_text(report)}")
    if report.readiness is not None:
        lines += readiness_lines(report.readiness, own=False)
    if report.involvement:
        lines.append(f":handshake: Your part at this stage: {report.involvement}")
    prompt = growth.one_line_prompt(report.progress, 0)
    if prompt:
        lines.append(f":speech_balloon: 1:1: {prompt}")
    return lines


def _has_shared(report: ReportDigest) -> bool:
    """Whether the report shared anything this Home may name them for (issue 10: never a name for silence)."""
    shared_evidence = report.progress is not None and report.progress.with_evidence > 0
    return report.wins_total > 0 or shared_evidence or any(month.count for month in report.trend)


def _quiet_stage_lines(quiet: list[ReportDigest]) -> list[str]:
    """Reports who shared nothing, by stage and count only, each stage with the manager's part in it."""
    by_stage: dict[str, list[ReportDigest]] = {}
    for report in quiet:
        by_stage.setdefault(report.stage.title if report.stage is not None else "no stage set", []).append(report)
    lines: list[str] = []
    for title, reports in by_stage.items():
        who = "1 report" if len(reports) == 1 else f"{len(reports)} reports"
        lines.append(f"*{who} at {title}* shared nothing with you in these months.")
        if reports[0].involvement:
            lines.append(f":handshake: Your part at this stage: {reports[0].involvement}")
        lines.append("")
    return lines


def team_growth_blocks(team: TeamDigest) -> list[dict[str, Any]]:
    """The manager's Home: each report's last months, not a snapshot (shared wins only).

    Reports who shared nothing are not named (a count by stage, with the manager's part at that stage).
    """
    lines: list[str] = []
    sharing = [report for report in team.reports if _has_shared(report)]
    quiet = [report for report in team.reports if not _has_shared(report)]
    for report in sharing[:MAX_GROWTH_REPORTS]:
        lines += [*team_growth_lines(report), ""]
    if len(sharing) > MAX_GROWTH_REPORTS:
        lines.append(f"_…and {len(sharing) - MAX_GROWTH_REPORTS} more in your weekly digest._")
    lines += _quiet_stage_lines(quiet)
    return [
        header("Your team over time"),
        *sections("", lines[:-1] if lines and lines[-1] == "" else lines),
        context(
            "Counts only wins your reports shared with you. Readiness needs every exit criterion evidenced and "
            'next-stage work spread over several months, as the roadmap\'s "consistently" asks.'
        ),
    ]

"""Growth over time on App Home: decide / propose / learn by quarter, sustained readiness, the team's trend."""

from __future__ import annotations

from typing import Any

from bot.blocks.growth_copy import one_line_prompt, sparkline
from bot.blocks.text import bar, context, divider, escape, header, section, sections, truncate
from bot.services.digest import ReportDigest, TeamDigest
from bot.services.home import HomeSnapshot
from bot.services.quarters import QuarterGrowth
from bot.services.readiness import Readiness

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
        if own:  # her own Home lists the criteria just above: a count, not the list again
            count = len(readiness.missing_criteria)
            lines.append(f"• {count} exit criteri{'on' if count == 1 else 'a'} without evidence")
        else:
            missing = "; ".join(truncate(c.text, 80) for c in readiness.missing_criteria)
            lines.append(f"• Exit criteria without evidence: {missing}")
    if not readiness.sustained:
        lines.append(f"• Next-stage evidence in {shown} (needs {readiness.months_needed})")
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


def has_history(readiness: Readiness) -> bool:
    """Readiness means something once next-stage work shows in some month (day one has none to weigh)."""
    return readiness.may_be_ready or readiness.months_with_evidence > 0


def growth_blocks(snapshot: HomeSnapshot) -> list[dict[str, Any]]:
    """App Home: readiness for the next stage (once there is history), and decide / propose / learn by quarter
    (once a win says which); nothing on day one."""
    if snapshot.progress is None:
        return []
    ready = snapshot.readiness if snapshot.readiness is not None and has_history(snapshot.readiness) else None
    if ready is None and not snapshot.quarters:
        return []
    blocks: list[dict[str, Any]] = [divider(), header("Growth over time")]
    if ready is not None:
        blocks += _readiness_block(ready)
    stage = snapshot.progress.stage
    if not snapshot.quarters:
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
    prompt = one_line_prompt(report.progress, 0)
    if prompt:
        lines.append(f":speech_balloon: 1:1: {prompt}")
    return lines


def has_shared(report: ReportDigest) -> bool:
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
        where = "without a stage yet" if title == "no stage set" else f"at {title}"
        lines.append(f"{who} {where} shared nothing with you in these months.")
        if reports[0].involvement:
            lines.append(f":handshake: Your part at this stage: {reports[0].involvement}")
        lines.append("")
    return lines


def team_growth_blocks(team: TeamDigest) -> list[dict[str, Any]]:
    """The manager's Home: each report's last months, not a snapshot (shared wins only).

    Reports who shared nothing are not named (a count by stage, with the manager's part at that stage).
    """
    lines: list[str] = []
    sharing = [report for report in team.reports if has_shared(report)]
    quiet = [report for report in team.reports if not has_shared(report)]
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

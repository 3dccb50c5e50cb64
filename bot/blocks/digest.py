"""The manager's weekly digest, as one or more channel messages within Block Kit's limits.

Names are plain text, never mentions: the digest pings nobody and singles nobody out. Every
piece of user text is escaped, so nothing a report typed can become ``<!channel>``.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.text import bar, context, divider, escape, header, message, section, truncate
from bot.services.digest import ReportDigest, TeamDigest
from bot.services.growth import sparkline
from content import Content

REPORTS_PER_PAGE = 20  # two blocks each at most, plus the summary and the quiet list: within 50 blocks
MAX_WIN_CHARS = 280


def _report_section(content: Content, report: ReportDigest) -> str:
    name = escape(truncate(report.name, 80))
    lines = [f"*{name}* · {report.stage.title if report.stage else 'no stage set yet'}"]
    if report.progress is not None and report.progress.total:
        progress = report.progress
        lines.append(
            f"`{bar(progress.with_evidence, progress.total)}` {progress.with_evidence}/{progress.total} "
            "exit criteria with shared evidence"
        )
    if report.may_be_ready and report.stage is not None:
        following = content.next_stage(report.stage.number)
        if following is not None:
            lines.append(
                ":seedling: Every exit criterion has evidence and next-stage work shows over several months: "
                f"may be ready for *{following.title}*."
            )
    trend = trend_line(report)
    if trend:
        lines.append(trend)
    for win in report.wins:
        text = f"• {escape(truncate(win.what, MAX_WIN_CHARS))}"
        if win.impact:
            text += f" — _{escape(truncate(win.impact, MAX_WIN_CHARS))}_"
        lines.append(text)
    hidden = report.wins_total - len(report.wins)
    if hidden > 0:
        lines.append(f"_…and {hidden} more shared this week._")
    return "\n".join(lines)


def _report_blocks(content: Content, report: ReportDigest) -> list[dict[str, Any]]:
    blocks = [section(_report_section(content, report))]
    notes = []
    if report.one_on_one_prompt:
        notes.append(f":speech_balloon: 1:1 idea: {escape(report.one_on_one_prompt)}")
    if report.involvement:
        # In the same context block as the 1:1 idea: a page holds 20 reports at two blocks each.
        notes.append(f":handshake: Your part at this stage: {report.involvement}")
    if notes:
        blocks.append(context(*notes))
    return blocks


def trend_line(report: ReportDigest) -> str | None:
    """Shared evidence per month over the readiness window: ``▁▃▅ Sep 0 · Oct 2 · Nov 4``."""
    if not report.trend or not any(month.count for month in report.trend):
        return None
    counts = " · ".join(f"{month.month:%b} {month.count}" for month in report.trend)
    return f"Shared evidence per month: `{sparkline(report.trend)}` {counts}"


def page_count(report_count: int) -> int:
    """How many messages a team of this size needs (known before rendering, so each can be ledgered)."""
    return max(1, -(-report_count // REPORTS_PER_PAGE))


def digest_page(content: Content, digest: TeamDigest, page: int) -> dict[str, Any] | None:
    """Message ``page`` (1-based) of the digest, or None when the team no longer fills that page.

    Page 1 opens with the summary; each page holds up to ``REPORTS_PER_PAGE`` reports in name order
    (stage, progress, shared wins, a 1:1 idea); the last page names, gently, who shared nothing.
    """
    week = digest.week_start.strftime("%b %-d")
    total = page_count(len(digest.reports))
    if page > total:
        return None
    blocks: list[dict[str, Any]] = []
    if page == 1:
        blocks += [
            header(f"Team digest · week of {week}"),
            context("What your reports chose to share with you. Private wins never appear here."),
        ]
        if not digest.reports:
            blocks.append(section("Nobody has named you as their manager yet, so there is nothing to show."))
            return message(f"Team digest, week of {week}: nothing to show yet.", blocks)
        shared = sum(report.wins_total for report in digest.reports)
        ready = sum(1 for report in digest.reports if report.may_be_ready)
        summary = f"*{len(digest.reports)} reports* · {shared} shared win{'s' if shared != 1 else ''} this week"
        if ready:
            summary += f" · {ready} may be ready for their next stage"
        blocks.append(section(summary))
        stuck = digest.stuck
        if stuck.started:
            blocks.append(
                context(
                    f":stopwatch: Team stuck signals this week: {stuck.started} stuck timer"
                    f"{'s' if stuck.started != 1 else ''} started, {stuck.asked_for_help} asked for help, "
                    f"{stuck.still_open} still open."
                )
            )
        blocks.append(divider())
    else:
        blocks.append(context(f"Team digest · week of {week} · continued ({page}/{total})"))
    chunk = digest.reports[(page - 1) * REPORTS_PER_PAGE : page * REPORTS_PER_PAGE]
    for report in chunk:
        blocks += _report_blocks(content, report)
    if page == total and digest.quiet:
        names = ", ".join(escape(truncate(r.name, 80)) for r in digest.quiet)
        blocks += [
            divider(),
            section(
                f"*No shared wins this week:* {truncate(names, 2500)}\n"
                "_Quiet weeks happen. A good 1:1 opener: what got done that isn't written down yet?_"
            ),
        ]
    return message(f"Team digest, week of {week} ({page}/{total})", blocks)


def digest_messages(content: Content, digest: TeamDigest) -> list[dict[str, Any]]:
    """Every page of the digest, in order."""
    pages = (digest_page(content, digest, page) for page in range(1, page_count(len(digest.reports)) + 1))
    return [page for page in pages if page is not None]

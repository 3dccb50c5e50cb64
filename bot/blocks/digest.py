"""The manager's weekly digest, as one or more messages within Slack's real limits.

Names are plain text, never mentions: the digest pings nobody and singles nobody out. Every
piece of user text is escaped, so nothing a report typed can become ``<!channel>``. Reports who
shared nothing this week are counted, never named.

Pages are cut by size, not by head count: Slack refuses a message over 50 blocks or with more
than about 12,000 characters of block text (``msg_blocks_too_long``). Fourteen reports with three
ordinary wins each already passed 12,000 characters when pages held 20 reports.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.text import bar, context, divider, escape, header, message, one_line, section, truncate
from bot.services.digest import PAGE_TEXT_BUDGET, ReportDigest, TeamDigest
from bot.webapi.limits import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from content import Content

MAX_WIN_CHARS = 280
MAX_IMPACT_CHARS = 200
MAX_IDEA_CHARS = 160
"""A 1:1 idea in one line; the report's months and the manager's part at their stage are on her Home."""


def block_text_length(blocks: list[dict[str, Any]]) -> int:
    """Characters in every text object of ``blocks`` (what Slack counts against its ~12,000)."""
    total = 0

    def walk(node: Any) -> None:
        nonlocal total
        if isinstance(node, dict):
            text = node.get("text")
            if isinstance(text, str) and node.get("type") in {"mrkdwn", "plain_text"}:
                total += len(text)
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return total


def _report_section(content: Content, report: ReportDigest, for_channel: bool = False) -> str:
    name = escape(truncate(one_line(report.name), 80))
    # The channel celebrates: a name and the wins shared there. Stage, progress and readiness are the
    # manager's to read, in her DM digest (one line) and on her Home ("Team details": months, her part).
    if for_channel:
        lines = [f"*{name}*"]
    else:
        line = f"*{name}* · {report.stage.title if report.stage else 'no stage set yet'}"
        if report.progress is not None and report.progress.total:
            progress = report.progress
            line += f" · `{bar(progress.with_evidence, progress.total, width=6)}` {progress.with_evidence}/"
            line += f"{progress.total} criteria"
        lines = [line]
        following = content.next_stage(report.stage.number) if report.stage is not None else None
        if report.may_be_ready and following is not None:
            lines.append(f":seedling: may be ready for *{following.title}*")
    shown = 0
    for win in report.wins:
        # One line each, whatever was typed: a line break in a win could otherwise fake a report heading.
        text = f"• {escape(truncate(one_line(win.what), MAX_WIN_CHARS))}"
        if win.impact:
            text += f" — _{escape(truncate(one_line(win.impact), MAX_IMPACT_CHARS))}_"
        # Escaping can lengthen a win (& becomes &amp;): stop before the section would be cut, and
        # say how many more there are instead of losing them silently.
        if len("\n".join([*lines, text])) > MAX_SECTION_TEXT - 60:
            break
        lines.append(text)
        shown += 1
    hidden = report.wins_total - shown
    if hidden > 0:
        lines.append(f"_…and {hidden} more shared this week._")
    return "\n".join(lines)


def _report_blocks(content: Content, report: ReportDigest, for_channel: bool = False) -> list[dict[str, Any]]:
    blocks = [section(_report_section(content, report, for_channel))]
    if for_channel:
        return blocks  # no 1:1 idea or manager's part in front of the team (issue #22)
    if report.one_on_one_prompt:
        blocks.append(context(f"1:1 idea: {escape(truncate(one_line(report.one_on_one_prompt), MAX_IDEA_CHARS))}"))
    return blocks


def _channel_opening(digest: TeamDigest, week: str) -> list[dict[str, Any]]:
    shared = sum(report.wins_total for report in digest.reports)
    sharers = sum(1 for report in digest.reports if report.wins_total)
    return [
        header(f"Team wins · week of {week}"),
        context(
            f"{shared} win{'s' if shared != 1 else ''} from {sharers} "
            f"{'person' if sharers == 1 else 'people'}, shared here by choice."
        ),
        divider(),
    ]


def _opening(digest: TeamDigest, week: str) -> list[dict[str, Any]]:
    if digest.for_channel and digest.reports:
        return _channel_opening(digest, week)
    audience = (
        "What your reports chose to share with this channel. Private wins, and wins shared with their manager "
        "alone, never appear here."
        if digest.for_channel
        else "Only for you: everything your reports shared with you this week."
    )
    blocks = [header(f"Team digest · week of {week}"), context(audience)]
    if not digest.reports:
        blocks.append(section("Nobody has named you as their manager yet, so there is nothing to show."))
        return blocks
    shared = sum(report.wins_total for report in digest.reports)
    ready = sum(1 for report in digest.reports if report.may_be_ready)
    summary = f"*{len(digest.reports)} reports* · {shared} shared win{'s' if shared != 1 else ''} this week"
    if ready:
        summary += f" · {ready} may be ready for their next stage"
    blocks.append(section(summary))
    stuck = digest.stuck
    # Stuck timers are nobody's choice to share with a channel: only the manager's own DM shows them.
    if stuck.started and not digest.for_channel:
        blocks.append(
            context(
                f":stopwatch: Team stuck signals this week: {stuck.started} stuck timer"
                f"{'s' if stuck.started != 1 else ''} started, {stuck.asked_for_help} asked for help, "
                f"{stuck.still_open} still open."
            )
        )
    blocks.append(divider())
    return blocks


def _closing(digest: TeamDigest) -> list[dict[str, Any]]:
    """The manager's DM ends with who shared nothing (a count) and where the rest of each story is."""
    if digest.for_channel or not digest.reports:
        return []
    blocks: list[dict[str, Any]] = [divider()]
    quiet = digest.quiet_count
    if quiet:
        who = "1 report" if quiet == 1 else f"{quiet} reports"
        blocks.append(
            section(f"*{who} shared nothing with you this week.* Quiet weeks happen; some wins stay private.")
        )
    blocks.append(context("Each report's months, readiness and your part at their stage: *Team details* on my Home."))
    return blocks


def paginate(content: Content, digest: TeamDigest) -> list[list[list[dict[str, Any]]]]:
    """The digest's reports cut into pages by size: each page is a list of per-report block lists."""
    week = digest.week_start.strftime("%b %-d")
    reserved = block_text_length(_opening(digest, week)) + block_text_length(_closing(digest)) + 200
    reserved_blocks = len(_opening(digest, week)) + len(_closing(digest)) + 1
    pages: list[list[list[dict[str, Any]]]] = [[]]
    used_text, used_blocks = reserved, reserved_blocks
    # Only reports who shared something this week are shown by name; the rest are a count (_closing).
    for report in (r for r in digest.reports if r.wins_total > 0):
        blocks = _report_blocks(content, report, digest.for_channel)
        size = block_text_length(blocks)
        if pages[-1] and (used_text + size > PAGE_TEXT_BUDGET or used_blocks + len(blocks) > MAX_MESSAGE_BLOCKS):
            pages.append([])
            used_text, used_blocks = reserved, reserved_blocks
        pages[-1].append(blocks)
        used_text += size
        used_blocks += len(blocks)
    return pages


def digest_page(content: Content, digest: TeamDigest, page: int) -> dict[str, Any] | None:
    """Message ``page`` (1-based) of the digest, or None when the digest has fewer pages.

    Page 1 opens with the summary; each page holds as many reports who shared something this week,
    in name order, as fit Slack's limits (stage, progress, shared wins, a 1:1 idea); the last page
    closes with how many reports shared nothing (a count, never names).
    """
    week = digest.week_start.strftime("%b %-d")
    pages = paginate(content, digest)
    total = len(pages)
    if page > total or page < 1:
        return None
    blocks: list[dict[str, Any]] = []
    if page == 1:
        blocks += _opening(digest, week)
        if not digest.reports:
            return message(f"Team digest, week of {week}: nothing to show yet.", blocks)
    else:
        title = "Team wins" if digest.for_channel else "Team digest"
        blocks.append(context(f"{title} · week of {week} · continued ({page}/{total})"))
    for report_blocks in pages[page - 1]:
        blocks += report_blocks
    if page == total:
        blocks += _closing(digest)
    title = f"Team wins, week of {week}" if digest.for_channel else f"Team digest, week of {week}"
    return message(title if total == 1 else f"{title} ({page}/{total})", blocks)

"""The review packet DM'd before a review: wins since the last one by exit criterion, gaps, questions."""

from __future__ import annotations

from typing import Any

from bot.blocks.text import bar, context, divider, escape, header, message, section, sections, truncate
from bot.services.review import ReviewPacket

MAX_WINS_PER_GROUP = 8
MAX_WIN_CHARS = 300


def review_packet_message(packet: ReviewPacket, days_before: int) -> dict[str, Any]:
    when = "in two days" if days_before <= 2 else f"in {days_before} days"
    blocks: list[dict[str, Any]] = [
        header(f"Your review is {when}"),
        context(
            f"{packet.review_date:%A %-d %B %Y} · {packet.wins_total} win"
            f"{'s' if packet.wins_total != 1 else ''} since {packet.since:%-d %B %Y}"
        ),
    ]
    if packet.progress is not None:
        progress = packet.progress
        blocks.append(
            section(
                f"*{progress.stage.title}*: `{bar(progress.with_evidence, progress.total)}` "
                f"{progress.with_evidence}/{progress.total} exit criteria with evidence"
            )
        )
    if not packet.wins_by_criterion:
        blocks.append(
            section(
                "No wins recorded since then. Spend ten minutes listing what you shipped and fixed, "
                "and whom you helped: `/win` saves each one."
            )
        )
    for label, wins in list(packet.wins_by_criterion.items())[:20]:
        lines = [f"• {escape(truncate(win, MAX_WIN_CHARS))}" for win in wins[:MAX_WINS_PER_GROUP]]
        if len(wins) > MAX_WINS_PER_GROUP:
            lines.append(f"_…and {len(wins) - MAX_WINS_PER_GROUP} more in your export (`/coach export`)_")
        blocks += sections(f"*{escape(label)}*", lines)
    if packet.progress is not None and packet.progress.open_criteria:
        blocks.append(divider())
        blocks += sections(
            "*Still without evidence*", [f"• {criterion.text}" for criterion in packet.progress.open_criteria]
        )
    questions = packet.questions
    blocks.append(divider())
    blocks += sections("*Questions to take in*", [f"• {q}" for q in [*questions.general[:4], *questions.evidence[:3]]])
    blocks.append(context("`/coach export` gives you the full brag document as Markdown, ready to paste."))
    return message(f"Your review is {when}: here is your packet", blocks[:50])

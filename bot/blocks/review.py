"""The review packet DM'd before a review: what is on the record by exit criterion, what is still open, and
(two weeks out) the ask to rate yourself, in one message of about 700 characters."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.text import actions, bar, button, context, escape, header, message, one_line, section, truncate
from bot.services.review import OTHER_WINS, ReviewPacket

MAX_GROUPS = 3
"""Criteria shown with a win each; the full list is one command away (``/coach export``)."""
MAX_WIN_CHARS = 90
MAX_OPEN_SHOWN = 2


def _when(review_date: date, today: date) -> str:
    """How far off the review is, from the day the packet is sent."""
    days = (review_date - today).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def review_packet_message(packet: ReviewPacket, today: date, stage_title: str | None = None) -> dict[str, Any]:
    """The packet, worded from ``today`` (the member's local date when it is sent): "your review is on
    Monday". With ``stage_title`` (the first packet, two weeks out) it also asks for the self-rating, so the
    packet and the rating ask are one message instead of two in the same minute."""
    day = f"{packet.review_date:%A %-d %B}"
    when = _when(packet.review_date, today)
    wins = f"{packet.wins_total} win{'s' if packet.wins_total != 1 else ''} since {packet.since:%-d %B %Y}"
    blocks: list[dict[str, Any]] = [header(f"Your review is on {day}"), context(f"That's {when} · {wins}")]
    lines: list[str] = []
    if packet.progress is not None:
        progress = packet.progress
        lines.append(
            f"*{progress.stage.title}*: `{bar(progress.with_evidence, progress.total)}` "
            f"{progress.with_evidence}/{progress.total} exit criteria with evidence"
        )
    # Criteria with evidence first ("Other wins" last): the record a reviewer reads.
    groups = sorted(packet.wins_by_criterion.items(), key=lambda item: (item[0] == OTHER_WINS, -len(item[1])))
    for label, group in groups[:MAX_GROUPS]:
        first = escape(truncate(one_line(group[-1]), MAX_WIN_CHARS))
        more = f" (+{len(group) - 1})" if len(group) > 1 else ""
        lines.append(f"• *{escape(truncate(label, 70))}*: {first}{more}")
    if not packet.wins_by_criterion:
        lines.append("No wins recorded since then: ten minutes listing what you shipped and fixed helps. `/win`")
    if packet.progress is not None and packet.progress.open_criteria:
        still = packet.progress.open_criteria
        shown = "; ".join(truncate(c.text, 60) for c in still[:MAX_OPEN_SHOWN])
        lines.append(f"Still without evidence ({len(still)}): {shown}{'…' if len(still) > MAX_OPEN_SHOWN else ''}")
    blocks.append(section("\n".join(lines)))
    if stage_title is not None:
        blocks.append(
            section(f"Rate yourself on {stage_title}'s exit criteria before then. Only you see your ratings.")
        )
        blocks.append(
            actions(
                button("Rate my exit criteria", ids.RATING_OPEN_SELF, packet.review_date.isoformat(), style="primary")
            )
        )
    blocks.append(context("Questions to take in: `/feedback-questions` · the whole record: `/coach export`"))
    return message(f"Your review is on {day} ({when}): here is your packet", blocks)

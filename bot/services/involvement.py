"""The manager's part at a stage of the roadmap (its manager involvement) in one line, as the digest carries it.

Copy shown to people; it stays a service while ``ReportDigest.involvement`` carries it (bot/blocks could draw it
from ``ReportDigest.stage``)."""

from __future__ import annotations

from content import Stage


def involvement_summary(stage: Stage) -> str | None:
    """The roadmap's manager involvement for a stage, in one line: what you do, meetings, what you review."""
    manager = stage.manager
    if manager is None:
        return None
    return (
        f"You: {', '.join(_lower_first(x) for x in manager.does)}. Meetings: {', '.join(manager.meetings)}. "
        f"You review: {', '.join(_lower_first(x) for x in manager.reviews)}."
    )


def _lower_first(text: str) -> str:
    """``Reviews designs`` → ``reviews designs`` mid-sentence; ``PRs`` and other acronyms stay as they are."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() or first[1:2].isupper() else text[:1].lower() + text[1:]

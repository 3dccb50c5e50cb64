"""What changes for a manager at each stage of the roadmap (its manager involvement), in words."""

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


def involvement_changes(before: Stage, after: Stage) -> list[str]:
    """What changes for the manager when a report moves from ``before`` to ``after``: one line per aspect."""
    lines = []
    aspects = [("You", "does"), ("Meetings", "meetings"), ("You review", "reviews")]
    for title, field in aspects:
        old = list(getattr(before.manager, field)) if before.manager else []
        new = list(getattr(after.manager, field)) if after.manager else []
        dropped = [item for item in old if item not in new]
        added = [item for item in new if item not in old]
        if not dropped and not added:
            continue
        parts = []
        if added:
            parts.append("now " + ", ".join(added))
        if dropped:
            parts.append("no longer " + ", ".join(dropped))
        lines.append(f"{title}: {'; '.join(parts)}")
    if after.manager is None:
        lines.append("At this stage they do what a manager did: your role becomes a peer's and a sponsor's.")
    return lines

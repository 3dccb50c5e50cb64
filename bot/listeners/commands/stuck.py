"""``/stuck [what you're stuck on | done | help]``: the 30-minute stuck timer."""

from __future__ import annotations

from bot.blocks.nudges import (
    stuck_none_message,
    stuck_resolved_message,
    stuck_started_message,
    stuck_usage_message,
)
from bot.services import stuck as stuck_service
from bot.slack.request import Request
from bot.slack.text import plain_from_slack

DONE_WORDS = {"done", "unblocked", "stop", "end", "resolved"}
HELP_WORDS = {"help", "?"}


def stuck_command(request: Request) -> None:
    # Slack escapes &, < and > in command text; store what the person typed (shown escaped again).
    text = plain_from_slack(request.command.get("text") or "")
    word = text.lower()
    minutes = request.deps.settings.stuck_minutes
    if word in HELP_WORDS:
        request.respond(**stuck_usage_message(minutes))
    elif word in DONE_WORDS:
        closed = stuck_service.finish_timer(
            request.deps.db, request.deps.content, request.member_id, request.deps.clock(), minutes
        )
        if closed is None:
            request.respond(**stuck_none_message())
        else:
            request.respond(**stuck_resolved_message(minutes=closed.minutes, offer=closed.offer))
    else:
        started = stuck_service.start_timer(request.deps.db, request.member_id, text, request.deps.clock(), minutes)
        request.respond(
            **stuck_started_message(
                session_id=started.session_id,
                what=started.what,
                due_at=started.due_at,
                minutes=minutes,
                nudges_on=started.nudges_on,
                restarted=started.restarted,
            )
        )

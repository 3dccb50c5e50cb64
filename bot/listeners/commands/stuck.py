"""``/stuck [what you're stuck on | done | help]``: the 30-minute stuck timer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.blocks.nudges import (
    stuck_none_message,
    stuck_resolved_message,
    stuck_started_message,
    stuck_usage_message,
)
from bot.services import stages
from bot.services import stuck as stuck_service
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of
from bot.slack.text import plain_from_slack

DONE_WORDS = {"done", "unblocked", "stop", "end", "resolved"}
HELP_WORDS = {"help", "?"}


def stuck_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    # Slack escapes &, < and > in command text; store what the person typed (shown escaped again).
    text = plain_from_slack(command.get("text") or "")
    word = text.lower()
    minutes = deps.settings.stuck_minutes
    member_id = acting_member_id(context)  # any command enrolls
    if word in HELP_WORDS:
        respond(**stuck_usage_message(minutes))
        return
    now = deps.clock()
    with deps.db.transaction() as session:
        member = stages.load_member(session, member_id)
        if word in DONE_WORDS:
            stuck = stuck_service.open_session(session, member.id)
            if stuck is None:
                payload = stuck_none_message()
            else:
                result = stuck_service.resolve(session, deps.content, member, stuck, now, minutes)
                payload = stuck_resolved_message(
                    minutes=result.minutes, criterion_text=_criterion(deps.content) if result.win else None
                )
        else:
            started = stuck_service.start(session, member, text, now, minutes)
            payload = stuck_started_message(
                session_id=started.session.id,
                what=started.session.what,
                due_at=started.session.nudge_due_at,
                minutes=minutes,
                nudges_on=member.stuck_nudges_enabled,
                restarted=started.restarted,
            )
    respond(**payload)


def _criterion(content: Any) -> str:
    return str(content.evidence_label(stuck_service.ASKING_EARLY_CRITERION) or "")

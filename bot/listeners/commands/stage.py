"""``/stage [1-5 | name | principles | tracks]``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.blocks.stage import render_stage_query
from bot.listeners.common import acting_member_id
from bot.services import stages
from bot.slack.deps import deps_of


def stage_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    query = stages.parse_stage_query(deps.content, command.get("text") or "")
    with deps.db.transaction() as session:
        my_stage = stages.load_member(session, acting_member_id(context)).stage
    respond(**render_stage_query(deps.content, query, my_stage))

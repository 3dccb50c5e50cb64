"""``/stage [1-5 | name | principles | tracks]``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.blocks.stage import render_stage_query
from bot.deps import Deps
from bot.services import stages


def stage_command(ack: Ack, command: dict[str, Any], respond: Respond, deps: Deps, member_id: int) -> None:
    ack()
    query = stages.parse_stage_query(deps.content, command.get("text") or "")
    if query.kind is stages.StageQueryKind.OWN:
        progress = stages.own_progress(deps.db, deps.content, member_id)
        my_stage = progress.stage.number if progress is not None else None
        respond(**render_stage_query(deps.content, query, my_stage, progress))
        return
    respond(**render_stage_query(deps.content, query, stages.stage_of(deps.db, member_id)))

"""``/stage [1-5 | name | principles | tracks]``."""

from __future__ import annotations

from bot.blocks.stage import render_stage_query
from bot.services import stages
from bot.slack.request import Request


def stage_command(request: Request) -> None:
    query = stages.parse_stage_query(request.deps.content, request.command.get("text") or "")
    if query.kind is stages.StageQueryKind.OWN:
        progress = stages.own_progress(request.deps.db, request.deps.content, request.member_id)
        my_stage = progress.stage.number if progress is not None else None
        request.respond(**render_stage_query(request.deps.content, query, my_stage, progress))
        return
    request.respond(
        **render_stage_query(request.deps.content, query, stages.stage_of(request.deps.db, request.member_id))
    )

"""``/coach wins [period or words]``: the member's own wins, a page at a time; and its paging buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.blocks.capture import parse_page_value, wins_page_message, wins_query_problem
from bot.deps import Deps
from bot.listeners.requests import CoachRequest
from bot.services import wins_search
from bot.services.stages import load_member
from bot.slack.acting import acting_member_id
from bot.slack.deps import deps_of

log = logging.getLogger(__name__)


def _unescape(text: str) -> str:
    # /coach has should_escape on: the words come as Slack escaped them.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _page(deps: Deps, member_id: int, text: str, page: int) -> dict[str, Any]:
    try:
        with deps.db.transaction() as session:
            member = load_member(session, member_id)
            query = wins_search.parse_query(text, member, deps.clock())
            found = wins_search.find_wins(session, deps.content, member, query, page)
    except wins_search.QueryError as error:
        return wins_query_problem(str(error))
    log.info("wins listed", extra={"member": member_id, "total": found.total, "page": found.page})
    return wins_page_message(deps.content, found)


def wins_subcommand(request: CoachRequest) -> None:
    request.respond(**_page(request.deps, request.member_id, _unescape(request.args), 0))


def wins_page(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Newer / Older: the same search, another page, in place of the last one."""
    ack()
    text, page = parse_page_value(action.get("value"))
    respond(replace_original=True, **_page(deps_of(context), acting_member_id(context), text, page))

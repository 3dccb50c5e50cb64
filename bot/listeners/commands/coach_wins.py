"""``/coach wins [period or words]``: the member's own wins, a page at a time; and its paging buttons."""

from __future__ import annotations

from typing import Any

from bot.blocks.capture import parse_page_value, wins_page_message, wins_query_problem
from bot.deps import Deps
from bot.listeners.requests import CoachRequest
from bot.services import wins_search
from bot.slack.mentions import unescape
from bot.slack.request import Request


def _page(deps: Deps, member_id: int, text: str, page: int) -> dict[str, Any]:
    try:
        found = wins_search.search_wins(deps.db, deps.content, member_id, text, page, deps.clock())
    except wins_search.QueryError as error:
        return wins_query_problem(str(error))
    return wins_page_message(deps.content, found)


def wins_subcommand(request: CoachRequest) -> None:
    # /coach has should_escape on: the words come as Slack escaped them.
    request.respond(**_page(request.deps, request.member_id, unescape(request.args), 0))


def wins_page(request: Request) -> None:
    """Newer / Older: the same search, another page, in place of the last one."""
    text, page = parse_page_value(request.action.get("value"))
    request.respond(replace_original=True, **_page(request.deps, request.member_id, text, page))

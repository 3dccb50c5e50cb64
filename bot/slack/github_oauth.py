"""``GET /github/oauth_callback``: where GitHub sends the person back after they approve (or cancel).

The ``state`` was minted for one Slack member by ``/coach github connect`` and is used once; the code is
exchanged and ``GET /user`` proves the login before anything is stored (``services/found.complete_connect``).
Register ``https://<your host>/github/oauth_callback`` as the OAuth app's callback URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from bot.blocks.github import callback_page
from bot.deps import Deps
from bot.services import found

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

GITHUB_CALLBACK_PATH = "/github/oauth_callback"
MAX_QUERY_BYTES = 2048
"""GitHub's redirect carries a 20-character code and our 43-character state: 2 kB is plenty."""


class GitHubCallback:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def __call__(self, environ: WSGIEnvironment) -> tuple[str, str]:
        raw = str(environ.get("QUERY_STRING", ""))
        if len(raw) > MAX_QUERY_BYTES:
            return "414 URI Too Long", ""
        query = parse_qs(raw, max_num_fields=10)

        def one(name: str) -> str:
            values = query.get(name) or [""]
            return values[0][:256]

        deps = self._deps
        connected = found.complete_connect(
            deps.db, deps.settings, one("state"), one("code"), one("error"), deps.clock()
        )
        return callback_page(connected.outcome, connected.login)


def web_pages(deps: Deps) -> dict[str, GitHubCallback]:
    """The GET pages the HTTP server adds for this configuration (none while GitHub is off)."""
    return {GITHUB_CALLBACK_PATH: GitHubCallback(deps)} if deps.settings.github_enabled else {}

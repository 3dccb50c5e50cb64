"""The outbound GitHub client: OAuth (authorize URL, code exchange, grant revocation), ``GET /user`` and GraphQL.

github.com or GitHub Enterprise Server: ``base_url`` is where people sign in (``/login/oauth/...``), ``api_url``
the REST base (``https://api.github.com/`` or ``https://HOST/api/v3/``); GraphQL is ``api_url + graphql`` on
github.com and ``https://HOST/api/graphql`` on GHES.

Limits are honoured by *raising*, never by sleeping: a 403/429 with ``Retry-After``, ``X-RateLimit-Remaining: 0``
(then ``X-RateLimit-Reset``), a secondary limit without either header (GitHub's docs: wait at least a minute),
or a GraphQL ``RATE_LIMITED`` error becomes :class:`RateLimited`; the caller stores when it may call again and
the ledger row waits (``Defer``), so no thread of a tick ever sleeps on GitHub. A 401 is
:class:`Unauthorized` (the token was revoked or expired). Tokens are never logged.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any

log = logging.getLogger(__name__)

USER_AGENT = "stagecoach-slack-bot"
"""GitHub refuses API requests without a User-Agent (403)."""
TIMEOUT_SECONDS = 10.0
"""A week's GraphQL query answers in well under a second; 10 s bounds a hung connection."""
SECONDARY_LIMIT_WAIT_SECONDS = 60
"""GitHub's docs: after a secondary limit without Retry-After, wait at least one minute."""


class GitHubError(Exception):
    """GitHub answered with something we cannot use now (5xx, an unexpected body, a network error)."""


class Unauthorized(GitHubError):
    """401: the token is revoked, expired or wrong."""


@dataclass
class RateLimited(GitHubError):
    """GitHub asked us to wait: ``retry_after`` seconds from now, or until ``reset_epoch`` (Unix time)."""

    retry_after: int | None = None
    reset_epoch: int | None = None

    def __str__(self) -> str:
        return f"rate limited (retry_after={self.retry_after}, reset={self.reset_epoch})"


class OAuthRefused(GitHubError):
    """The code exchange failed (a used or expired code, wrong client credentials): GitHub's error code."""


@dataclass(frozen=True)
class RateInfo:
    """What the last answer said of this token's budget (None when GitHub sent no headers)."""

    remaining: int | None
    reset_epoch: int | None


@dataclass(frozen=True)
class Grant:
    access_token: str
    scopes: str
    """As GitHub granted them, comma-separated ("" for public data only)."""


@dataclass(frozen=True)
class GitHubUser:
    id: int
    login: str


def _int_header(headers: Message, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _rate(headers: Message) -> RateInfo:
    return RateInfo(_int_header(headers, "X-RateLimit-Remaining"), _int_header(headers, "X-RateLimit-Reset"))


class GitHubClient:
    def __init__(
        self, base_url: str, api_url: str, client_id: str, client_secret: str, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout

    @property
    def graphql_url(self) -> str:
        if self.api_url.endswith("/api/v3/"):
            return self.api_url[: -len("v3/")] + "graphql"
        return self.api_url + "graphql"

    # -- OAuth --------------------------------------------------------------------------------------

    def authorize_url(self, state: str, scopes: str) -> str:
        # No redirect_uri: GitHub then sends the person back to the callback URL registered on the OAuth app,
        # so no setting has to repeat it (and a forged redirect_uri cannot be slipped in).
        query = {"client_id": self.client_id, "state": state, "allow_signup": "false"}
        if scopes:
            query["scope"] = scopes
        return f"{self.base_url}login/oauth/authorize?{urllib.parse.urlencode(query)}"

    def exchange_code(self, code: str) -> Grant:
        body = urllib.parse.urlencode(
            {"client_id": self.client_id, "client_secret": self._client_secret, "code": code}
        ).encode()
        status, headers, data = self._send(
            "POST",
            f"{self.base_url}login/oauth/access_token",
            body,
            {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        )
        self._raise_for(status, headers, data)
        # GitHub answers a refused exchange with 200 and an "error" field.
        if not isinstance(data, dict) or data.get("error") or not data.get("access_token"):
            error = data.get("error") if isinstance(data, dict) else None
            raise OAuthRefused(str(error or "no access_token in the answer"))
        return Grant(str(data["access_token"]), str(data.get("scope") or ""))

    def revoke(self, token: str) -> None:
        """Delete the OAuth grant (the token and the app's authorisation): disconnect at GitHub too."""
        basic = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode()).decode()
        status, headers, data = self._send(
            "DELETE",
            f"{self.api_url}applications/{urllib.parse.quote(self.client_id)}/grant",
            json.dumps({"access_token": token}).encode(),
            {"Authorization": f"Basic {basic}", "Content-Type": "application/json"},
        )
        if status == 404:
            return  # already gone (revoked on GitHub's side): what we wanted
        self._raise_for(status, headers, data)

    # -- the API ------------------------------------------------------------------------------------

    def user(self, token: str) -> GitHubUser:
        status, headers, data = self._send("GET", f"{self.api_url}user", None, self._auth(token))
        self._raise_for(status, headers, data)
        if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("login"), str):
            raise GitHubError("GET /user answered without id and login")
        return GitHubUser(int(data["id"]), str(data["login"]))

    def graphql(self, token: str, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], RateInfo]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        headers = {**self._auth(token), "Content-Type": "application/json"}
        status, answer_headers, data = self._send("POST", self.graphql_url, body, headers)
        self._raise_for(status, answer_headers, data)
        if not isinstance(data, dict):
            raise GitHubError("GraphQL answered without a JSON object")
        errors = data.get("errors") or []
        if errors:
            kinds = {str(error.get("type")) for error in errors if isinstance(error, dict)}
            if "RATE_LIMITED" in kinds:
                raise RateLimited(reset_epoch=_rate(answer_headers).reset_epoch or None)
            raise GitHubError(f"GraphQL errors: {sorted(kinds)}")
        result = data.get("data")
        if not isinstance(result, dict):
            raise GitHubError("GraphQL answered without data")
        return result, _rate(answer_headers)

    # -- plumbing -----------------------------------------------------------------------------------

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Message, Any]:
        # http(s) only: the URLs are built from GITHUB_BASE_URL / GITHUB_API_URL, which settings check.
        request = urllib.request.Request(  # noqa: S310
            url, data=body, method=method, headers={**headers, "User-Agent": USER_AGENT}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status, answer_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, error.headers, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise GitHubError(f"cannot reach GitHub: {type(error).__name__}") from None
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return status, answer_headers, data

    @staticmethod
    def _raise_for(status: int, headers: Message, data: Any) -> None:
        if 200 <= status < 300:
            return
        if status == 401:
            raise Unauthorized("GitHub refused the token (401)")
        if status in {403, 429}:
            retry_after = _int_header(headers, "Retry-After")
            rate = _rate(headers)
            if retry_after is not None:
                raise RateLimited(retry_after=max(retry_after, 1))
            if rate.remaining == 0 and rate.reset_epoch is not None:
                raise RateLimited(reset_epoch=rate.reset_epoch)
            message = str(data.get("message", "")) if isinstance(data, dict) else ""
            if status == 429 or "secondary rate limit" in message.lower():
                raise RateLimited(retry_after=SECONDARY_LIMIT_WAIT_SECONDS)
        raise GitHubError(f"GitHub answered {status}")

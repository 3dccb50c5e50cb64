"""A strict GitHub simulator on an ephemeral loopback port: OAuth, ``GET /user``, the GraphQL query the bot
sends, grant deletion, rate limits and token revocation — shaped as GitHub Enterprise Server (``/api/v3/``,
``/api/graphql``), which is github.com's API under a base URL.

GitHub's rules it enforces (https://docs.github.com/en/apps/oauth-apps, /en/rest, /en/graphql):

- ``/login/oauth/authorize``: the app's ``client_id``, a ``state``, a known scope ("" or ``repo``); the
  person's answer is :meth:`FakeGitHub.approve` / :meth:`FakeGitHub.deny`, which give the callback URL GitHub
  would redirect the browser to;
- ``/login/oauth/access_token``: client id and secret, a code used once within 10 minutes (``bad_verification_code``,
  ``incorrect_client_credentials`` with 200, as GitHub answers); JSON only with ``Accept: application/json``;
- every API call needs a ``User-Agent`` (403 otherwise) and ``Authorization: Bearer|token``; an unknown or
  revoked token gets 401 ``Bad credentials``;
- every answer carries ``X-RateLimit-Limit/Remaining/Used/Reset/Resource``; a spent budget is 403 on REST and
  a ``RATE_LIMITED`` GraphQL error with ``X-RateLimit-Remaining: 0``; :meth:`limit_next` makes the next call
  a secondary limit (403 or 429, with or without ``Retry-After``);
- GraphQL: the query must ask for what is answered (searches, the ``viewer``'s ``login``, ``databaseId`` and
  ``contributionsCollection``, ``timelineItems``), ``first`` at most 100, a ``from``..``to`` span of at most a
  year, and search strings with qualifiers the simulator knows (anything else is a GraphQL error); ``@me`` in a
  qualifier is the token's owner; private repositories only for a token with ``repo``;
- people are accounts with a numeric id; :meth:`FakeGitHub.rename` changes a login as GitHub does (the id, the
  tokens and the authorship of everything they did stay; the old login is free for someone else to take).

Time is the test's clock (``X-RateLimit-Reset``, code expiry), so it agrees with the bot's ``Deps.clock``.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlparse

CLIENT_ID = "Iv1.fakeclientid0001"
CLIENT_SECRET = "fake-github-client-secret"
CODE_LIFETIME = timedelta(minutes=10)
HOURLY_POINTS = 5000
SCOPES = {"", "repo"}
POLL_SECONDS = 0.02
_ids = itertools.count(1000)


@dataclass
class Review:
    author: str
    submitted_at: datetime
    state: str = "APPROVED"


@dataclass
class PullRequest:
    title: str
    repo: str
    author: str
    private: bool = False
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    reviews: list[Review] = field(default_factory=list)
    number: int = field(default_factory=lambda: next(_ids))

    @property
    def node_id(self) -> str:
        return f"PR_kw{self.number}"

    @property
    def url(self) -> str:
        return f"https://github.example.com/{self.repo}/pull/{self.number}"


@dataclass
class Issue:
    title: str
    repo: str
    involves: set[str]
    private: bool = False
    closed_at: datetime | None = None
    closed_by: str | None = None
    number: int = field(default_factory=lambda: next(_ids))

    @property
    def node_id(self) -> str:
        return f"I_kw{self.number}"

    @property
    def url(self) -> str:
        return f"https://github.example.com/{self.repo}/issues/{self.number}"


@dataclass
class Token:
    login: str
    scopes: str
    revoked: bool = False
    remaining: int = HOURLY_POINTS
    reset_epoch: int = 0


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str | None
    status: int
    at: datetime
    """The test clock's instant."""
    wall: float
    """``time.monotonic()`` when it was answered (durations, calls per wall second)."""


@dataclass
class _Forced:
    status: int
    retry_after: int | None
    secondary: bool


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("naive time")
    return parsed


_QUALIFIER = re.compile(r"^(is|author|involves|merged|closed):(\S+)$")


def parse_search(query: str, me: str) -> dict[str, list[str]]:
    """``is:pr is:merged author:@me merged:A..B`` → qualifiers (``@me``: the token's owner, ``me``); a word that
    is not one of them is refused."""
    qualifiers: dict[str, list[str]] = {}
    for word in query.split():
        match = _QUALIFIER.match(word)
        if match is None:
            raise ValueError(f"unsupported search term {word!r}")
        value = me if match.group(2) == "@me" and match.group(1) in {"author", "involves"} else match.group(2)
        qualifiers.setdefault(match.group(1), []).append(value)
    return qualifiers


def _range(value: str) -> tuple[datetime, datetime]:
    start, _, end = value.partition("..")
    return _parse_time(start), _parse_time(end)


class FakeGitHub:
    def __init__(self, clock: Callable[[], datetime], callback_url: str = "http://127.0.0.1:1/github/oauth_callback"):
        self.clock = clock
        self.callback_url = callback_url
        self.users: dict[str, int] = {}
        self.pulls: list[PullRequest] = []
        self.issues: list[Issue] = []
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, tuple[str, str, datetime]] = {}
        self.calls: list[Call] = []
        self.hourly_points = HOURLY_POINTS
        self._forced: list[_Forced] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0
        self.delay = 0.0
        """Seconds every API answer waits (a realistic GitHub answers a small query in ~0.2-0.5 s)."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._index_size = (-1, -1)
        self._by_author: dict[str, list[PullRequest]] = {}
        self._by_reviewer: dict[str, list[PullRequest]] = {}
        self._by_involved: dict[str, list[Issue]] = {}

    def _index(self) -> None:
        """People's PRs, reviews and issues by login (rebuilt when items are added): the benchmark's 40,000
        items would otherwise be scanned on every query."""
        with self._lock:
            if self._index_size == (len(self.pulls), len(self.issues)):
                return
            by_author: dict[str, list[PullRequest]] = {}
            by_reviewer: dict[str, list[PullRequest]] = {}
            by_involved: dict[str, list[Issue]] = {}
            for pr in self.pulls:
                by_author.setdefault(pr.author.lower(), []).append(pr)
                for reviewer in {review.author.lower() for review in pr.reviews}:
                    by_reviewer.setdefault(reviewer, []).append(pr)
            for issue in self.issues:
                for name in {name.lower() for name in issue.involves}:
                    by_involved.setdefault(name, []).append(issue)
            self._by_author, self._by_reviewer, self._by_involved = by_author, by_reviewer, by_involved
            self._index_size = (len(self.pulls), len(self.issues))

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = fake.handle(self.command, self.path, dict(self.headers.items()), body)
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.url + "/"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v3/"

    # -- what tests do -----------------------------------------------------------------------------

    def user(self, login: str) -> str:
        self.users.setdefault(login, 4000 + len(self.users))
        return login

    def approve(self, authorize_url: str, login: str) -> str:
        """The person approves on GitHub's page: the callback URL the browser goes to (strictly checked)."""
        query = self._authorize_query(authorize_url)
        code = secrets.token_hex(10)
        with self._lock:
            self.codes[code] = (self.user(login), query.get("scope", ""), self.clock())
        return f"{self.callback_url}?{urlencode({'code': code, 'state': query['state']})}"

    def deny(self, authorize_url: str) -> str:
        query = self._authorize_query(authorize_url)
        return f"{self.callback_url}?{urlencode({'error': 'access_denied', 'state': query['state']})}"

    def _authorize_query(self, authorize_url: str) -> dict[str, str]:
        parsed = urlparse(authorize_url)
        assert f"{parsed.scheme}://{parsed.netloc}" == self.url, f"authorize URL on another host: {authorize_url}"
        assert parsed.path == "/login/oauth/authorize", parsed.path
        query = dict(parse_qsl(parsed.query))
        assert query.get("client_id") == CLIENT_ID, "unknown client_id"
        assert query.get("state"), "no state: GitHub's docs require one against CSRF"
        assert query.get("scope", "") in SCOPES, f"unexpected scope {query.get('scope')!r}"
        assert "redirect_uri" not in query or query["redirect_uri"].startswith(self.callback_url)
        return query

    def rename(self, old: str, new: str) -> None:
        """The person renames their account: same id and tokens; their pull requests, reviews and issues now
        show the new login (GitHub rewrites them), and ``old`` no longer names anyone."""
        with self._lock:
            assert new not in self.users, f"{new} is taken"
            self.users[new] = self.users.pop(old)
            for token in self.tokens.values():
                token.login = new if token.login == old else token.login
            for pr in self.pulls:
                pr.author = new if pr.author == old else pr.author
                for review in pr.reviews:
                    review.author = new if review.author == old else review.author
            for issue in self.issues:
                issue.involves = {new if name == old else name for name in issue.involves}
                issue.closed_by = new if issue.closed_by == old else issue.closed_by
            self._index_size = (-1, -1)

    def revoke(self, login: str) -> None:
        """The person revokes the app on GitHub's settings page: every token of theirs now gets 401."""
        with self._lock:
            for token in self.tokens.values():
                if token.login == login:
                    token.revoked = True

    def live_tokens(self, login: str) -> list[str]:
        return [value for value, token in self.tokens.items() if token.login == login and not token.revoked]

    def limit_next(self, status: int = 403, retry_after: int | None = None, secondary: bool = True) -> None:
        """The next API call gets a secondary rate limit (``status``, with ``Retry-After`` when given)."""
        with self._lock:
            self._forced.append(_Forced(status, retry_after, secondary))

    def api_calls(self, path: str | None = None) -> list[Call]:
        return [call for call in self.calls if call.path.startswith("/api/") and (path is None or call.path == path)]

    # -- the server --------------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            path = urlparse(raw_path).path
            token, status, answer_headers, payload = self._route(method, path, headers, body)
        finally:
            with self._lock:
                self.in_flight -= 1
        with self._lock:
            self.calls.append(Call(method, path, token, status, self.clock(), time.monotonic()))
        return status, {"Content-Type": "application/json; charset=utf-8", **answer_headers}, payload

    def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[str | None, int, dict[str, str], Any]:
        lower = {name.lower(): value for name, value in headers.items()}
        if method == "POST" and path == "/login/oauth/access_token":
            return (None, *self._access_token(lower, body))
        if not path.startswith("/api/"):
            return None, 404, {}, {"message": "Not Found"}
        if not lower.get("user-agent"):
            return (
                None,
                403,
                {},
                {
                    "message": "Request forbidden by administrative rules. "
                    "Please make sure your request has a User-Agent header"
                },
            )
        grant = re.fullmatch(r"/api/v3/applications/([^/]+)/grant", path)
        if method == "DELETE" and grant:
            return (None, *self._delete_grant(grant.group(1), lower, body))
        auth = lower.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        token = self.tokens.get(value) if scheme.lower() in {"bearer", "token"} else None
        if token is None or token.revoked:
            return (
                value or None,
                401,
                {},
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            )
        with self._lock:
            now_epoch = int(self.clock().timestamp())
            if token.reset_epoch <= now_epoch:
                token.reset_epoch, token.remaining = now_epoch + 3600, self.hourly_points
            forced = self._forced.pop(0) if self._forced else None
            spent = forced is None and token.remaining == 0
            if forced is None and not spent:
                token.remaining -= 1
            rate = {
                "X-RateLimit-Limit": str(self.hourly_points),
                "X-RateLimit-Remaining": str(token.remaining),
                "X-RateLimit-Used": str(self.hourly_points - token.remaining),
                "X-RateLimit-Reset": str(token.reset_epoch),
                "X-RateLimit-Resource": "graphql" if path == "/api/graphql" else "core",
            }
        if forced is not None:
            extra = {"Retry-After": str(forced.retry_after)} if forced.retry_after is not None else {}
            message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            return value, forced.status, {**rate, **extra}, {"message": message}
        if spent:
            if path == "/api/graphql":
                return value, 200, rate, {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}
            return value, 403, rate, {"message": f"API rate limit exceeded for user ID {self.users[token.login]}."}
        if method == "GET" and path == "/api/v3/user":
            return value, 200, rate, {"login": token.login, "id": self.users[token.login], "type": "User"}
        if method == "POST" and path == "/api/graphql":
            return (value, *self._graphql(token, body, rate))
        return value, 404, rate, {"message": "Not Found"}

    def _access_token(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        if "application/json" not in headers.get("accept", ""):
            return 406, {}, {"error": "the bot must ask for JSON (Accept: application/json)"}
        fields = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        if fields.get("client_id") != CLIENT_ID or fields.get("client_secret") != CLIENT_SECRET:
            return 200, {}, {"error": "incorrect_client_credentials"}
        with self._lock:
            issued = self.codes.pop(fields.get("code", ""), None)
        if issued is None or self.clock() - issued[2] > CODE_LIFETIME:
            return 200, {}, {"error": "bad_verification_code"}
        login, scopes, _ = issued
        value = "gho_" + secrets.token_hex(18)
        with self._lock:
            self.tokens[value] = Token(login, scopes)
        return 200, {}, {"access_token": value, "scope": scopes, "token_type": "bearer"}

    def _delete_grant(self, client_id: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if client_id != CLIENT_ID or headers.get("authorization") != expected:
            return 401, {}, {"message": "Bad credentials"}
        try:
            value = json.loads(body)["access_token"]
        except (ValueError, KeyError, TypeError):
            return 422, {}, {"message": "Invalid request"}
        with self._lock:
            token = self.tokens.get(value)
            if token is None or token.revoked:
                return 404, {}, {"message": "Not Found"}
            token.revoked = True
        return 204, {}, b""

    # -- GraphQL -----------------------------------------------------------------------------------

    def _graphql(self, token: Token, body: bytes, rate: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        try:
            request = json.loads(body)
            query, variables = request["query"], request.get("variables") or {}
            assert isinstance(query, str) and isinstance(variables, dict)
        except (ValueError, KeyError, AssertionError):
            return 400, rate, {"message": "Problems parsing JSON"}
        needed = (
            "search(query: $merged, type: ISSUE",
            "viewer {",
            "login databaseId",
            "contributionsCollection(from: $from, to: $to)",
            "pullRequestReviewContributions(first: $first)",
            "search(query: $closed, type: ISSUE",
            "timelineItems(itemTypes: [CLOSED_EVENT]",
        )
        missing = [part for part in needed if part not in query]
        if missing:
            return 200, rate, {"errors": [{"type": "UNSUPPORTED", "message": f"the simulator answers only: {missing}"}]}
        try:
            first = int(variables["first"])
            if not 1 <= first <= 100:
                return 200, rate, {"errors": [{"type": "MAX_NODE_LIMIT_EXCEEDED", "message": "first must be 1-100"}]}
            start, end = _parse_time(variables["from"]), _parse_time(variables["to"])
            if end - start > timedelta(days=365) or end < start:
                return 200, rate, {"errors": [{"type": "INVALID_ARGUMENTS", "message": "span over a year"}]}
            login = token.login
            merged = parse_search(variables["merged"], login)
            closed = parse_search(variables["closed"], login)
        except (KeyError, ValueError, TypeError) as error:
            return 200, rate, {"errors": [{"type": "INVALID_ARGUMENTS", "message": str(error)}]}
        private_ok = "repo" in token.scopes.split(",")
        self._index()
        data = {
            "merged": self._search_prs(merged, private_ok, first),
            "viewer": {
                "login": login,
                "databaseId": self.users[login],
                "contributionsCollection": {
                    "pullRequestReviewContributions": self._reviews(login, start, end, private_ok, first)
                },
            },
            "closed": self._search_issues(closed, private_ok, first),
            "rateLimit": {"remaining": int(rate["X-RateLimit-Remaining"]), "resetAt": None, "cost": 1},
        }
        return 200, rate, {"data": data}

    @staticmethod
    def _connection(nodes: list[dict[str, Any]], first: int) -> dict[str, Any]:
        return {"pageInfo": {"hasNextPage": len(nodes) > first}, "nodes": nodes[:first]}

    @staticmethod
    def _repository(repo: str, private: bool) -> dict[str, Any]:
        return {"nameWithOwner": repo, "isPrivate": private}

    def _search_prs(self, q: dict[str, list[str]], private_ok: bool, first: int) -> dict[str, Any]:
        if (
            sorted(q.get("is", [])) != ["merged", "pr"]
            or len(q.get("author", [])) != 1
            or len(q.get("merged", [])) != 1
        ):
            raise ValueError(f"the simulator's PR search needs is:pr is:merged author: merged:, got {q}")
        author, (start, end) = q["author"][0].lower(), _range(q["merged"][0])
        nodes = [
            {
                "id": pr.node_id,
                "title": pr.title,
                "url": pr.url,
                "merged": True,
                "mergedAt": _iso(pr.merged_at),
                "author": {"login": pr.author},
                "repository": self._repository(pr.repo, pr.private),
            }
            for pr in self._by_author.get(author, [])
            if pr.merged_at is not None
            and pr.author.lower() == author
            and start <= pr.merged_at <= end
            and (private_ok or not pr.private)
        ]
        return self._connection(nodes, first)

    def _reviews(self, login: str, start: datetime, end: datetime, private_ok: bool, first: int) -> dict[str, Any]:
        nodes = []
        for pr in self._by_reviewer.get(login.lower(), []):
            if pr.private and not private_ok:
                continue
            for review in pr.reviews:
                if review.author.lower() == login.lower() and start <= review.submitted_at <= end:
                    nodes.append(
                        {
                            "occurredAt": _iso(review.submitted_at),
                            "pullRequestReview": {
                                "state": review.state,
                                "submittedAt": _iso(review.submitted_at),
                                "author": {"login": review.author},
                            },
                            "pullRequest": {
                                "id": pr.node_id,
                                "title": pr.title,
                                "url": pr.url,
                                "author": {"login": pr.author},
                                "repository": self._repository(pr.repo, pr.private),
                            },
                        }
                    )
        return self._connection(nodes, first)

    def _search_issues(self, q: dict[str, list[str]], private_ok: bool, first: int) -> dict[str, Any]:
        if (
            sorted(q.get("is", [])) != ["closed", "issue"]
            or len(q.get("involves", [])) != 1
            or len(q.get("closed", [])) != 1
        ):
            raise ValueError(f"the simulator's issue search needs is:issue is:closed involves: closed:, got {q}")
        who, (start, end) = q["involves"][0].lower(), _range(q["closed"][0])
        nodes = [
            {
                "id": issue.node_id,
                "title": issue.title,
                "url": issue.url,
                "closed": True,
                "closedAt": _iso(issue.closed_at),
                "repository": self._repository(issue.repo, issue.private),
                "timelineItems": {
                    "pageInfo": {"hasNextPage": False},
                    "nodes": [{"createdAt": _iso(issue.closed_at), "actor": {"login": issue.closed_by}}],
                },
            }
            for issue in self._by_involved.get(who, [])
            if issue.closed_at is not None
            and who in {name.lower() for name in issue.involves}
            and start <= issue.closed_at <= end
            and (private_ok or not issue.private)
        ]
        return self._connection(nodes, first)

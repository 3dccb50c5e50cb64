"""The GitHub simulator refuses what GitHub refuses (so a test against it cannot pass on a request GitHub
would reject)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from bot.services.sources.github import QUERY
from bot.webapi.github import GitHubClient, GitHubError, OAuthRefused, RateLimited, Unauthorized
from tests.support.clock import Clock
from tests.support.fake_github import CLIENT_ID, CLIENT_SECRET, FakeGitHub, PullRequest

NOW = datetime(2026, 11, 18, 15, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    github = FakeGitHub(Clock(NOW)).start()
    yield github
    github.stop()


def client(fake: FakeGitHub, secret: str = CLIENT_SECRET) -> GitHubClient:
    return GitHubClient(fake.base_url, fake.api_url, CLIENT_ID, secret)


def grant(fake: FakeGitHub, login: str = "ana", scope: str = "") -> str:
    callback = fake.approve(client(fake).authorize_url("s" * 43, scope), login)
    code = parse_qs(urlparse(callback).query)["code"][0]
    return client(fake).exchange_code(code).access_token


def raw(fake: FakeGitHub, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    """A GET with exactly these headers (urllib would add its own User-Agent)."""
    host = urlparse(fake.url)
    connection = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        return int(answer.status), json.loads(answer.read())
    finally:
        connection.close()


def variables(**changes: Any) -> dict[str, Any]:
    window = "2026-11-11T15:00:00Z..2026-11-18T15:00:00Z"
    values = {
        "from": "2026-11-11T15:00:00Z",
        "to": "2026-11-18T15:00:00Z",
        "merged": f"is:pr is:merged author:@me merged:{window}",
        "closed": f"is:issue is:closed involves:@me closed:{window}",
        "first": 50,
    }
    return {**values, **changes}


def test_codes_are_single_use_short_lived_and_need_the_app_secret(fake: FakeGitHub) -> None:
    callback = fake.approve(client(fake).authorize_url("state", ""), "ana")
    code = parse_qs(urlparse(callback).query)["code"][0]
    with pytest.raises(OAuthRefused, match="incorrect_client_credentials"):
        client(fake, secret="wrong").exchange_code(code)
    client(fake).exchange_code(code)
    with pytest.raises(OAuthRefused, match="bad_verification_code"):
        client(fake).exchange_code(code)
    stale = parse_qs(urlparse(fake.approve(client(fake).authorize_url("state", ""), "ana")).query)["code"][0]
    fake.clock = Clock(NOW + timedelta(minutes=11))
    with pytest.raises(OAuthRefused, match="bad_verification_code"):
        client(fake).exchange_code(stale)


def test_the_authorize_url_must_carry_the_app_a_state_and_a_known_scope(fake: FakeGitHub) -> None:
    with pytest.raises(AssertionError, match="state"):
        fake.approve(f"{fake.url}/login/oauth/authorize?client_id={CLIENT_ID}", "ana")
    with pytest.raises(AssertionError, match="scope"):
        fake.approve(client(fake).authorize_url("s", "admin:org"), "ana")
    with pytest.raises(AssertionError, match="client_id"):
        fake.approve(f"{fake.url}/login/oauth/authorize?client_id=other&state=s", "ana")


def test_no_user_agent_is_403_and_a_bad_token_is_401(fake: FakeGitHub) -> None:
    token = grant(fake)
    status, _ = raw(fake, "/api/v3/user", {"Authorization": f"Bearer {token}"})
    assert status == 403
    status, body = raw(fake, "/api/v3/user", {"Authorization": "Bearer gho_nope", "User-Agent": "t"})
    assert status == 401 and body["message"] == "Bad credentials"
    fake.revoke("ana")
    with pytest.raises(Unauthorized):
        client(fake).user(token)


def test_graphql_refuses_unknown_qualifiers_big_pages_and_long_spans(fake: FakeGitHub) -> None:
    token = grant(fake)
    with pytest.raises(GitHubError, match="INVALID_ARGUMENTS"):
        client(fake).graphql(token, QUERY, variables(merged="is:pr author:ana sort:updated"))
    with pytest.raises(GitHubError, match="MAX_NODE_LIMIT_EXCEEDED"):
        client(fake).graphql(token, QUERY, variables(first=101))
    with pytest.raises(GitHubError, match="INVALID_ARGUMENTS"):
        client(fake).graphql(token, QUERY, variables(**{"from": "2025-01-01T00:00:00Z"}))
    with pytest.raises(GitHubError, match="UNSUPPORTED"):
        client(fake).graphql(token, "query { viewer { login } }", variables())


def test_private_repositories_need_the_repo_scope(fake: FakeGitHub) -> None:
    fake.pulls.append(PullRequest("Secret", "acme/private", "ana", private=True, merged_at=NOW - timedelta(days=1)))
    public_only, with_repo = grant(fake), grant(fake, scope="repo")
    data, _ = client(fake).graphql(public_only, QUERY, variables())
    assert data["merged"]["nodes"] == []
    data, _ = client(fake).graphql(with_repo, QUERY, variables())
    assert [node["title"] for node in data["merged"]["nodes"]] == ["Secret"]


def test_the_viewer_and_at_me_are_the_tokens_account_through_a_rename(fake: FakeGitHub) -> None:
    fake.pulls.append(PullRequest("Mine", "acme/app", "ana", merged_at=NOW - timedelta(days=1)))
    token = grant(fake)
    data, _ = client(fake).graphql(token, QUERY, variables())
    account_id = data["viewer"]["databaseId"]
    assert data["viewer"]["login"] == "ana" and isinstance(account_id, int)
    assert [node["author"]["login"] for node in data["merged"]["nodes"]] == ["ana"]
    fake.rename("ana", "ana-h")
    fake.user("ana")  # someone else takes the old login, with work of their own
    fake.pulls.append(PullRequest("Not hers", "acme/app", "ana", merged_at=NOW - timedelta(days=1)))
    data, _ = client(fake).graphql(token, QUERY, variables())
    assert data["viewer"] == {**data["viewer"], "login": "ana-h", "databaseId": account_id}
    assert [(n["title"], n["author"]["login"]) for n in data["merged"]["nodes"]] == [("Mine", "ana-h")]
    assert client(fake).user(token).login == "ana-h"


def test_budgets_and_secondary_limits(fake: FakeGitHub) -> None:
    token = grant(fake)
    fake.hourly_points = 2
    fake.tokens[token].reset_epoch = 0  # a fresh hour at the next call
    _, rate = client(fake).graphql(token, QUERY, variables())
    assert rate.remaining == 1
    client(fake).graphql(token, QUERY, variables())
    with pytest.raises(RateLimited) as spent:
        client(fake).graphql(token, QUERY, variables())
    assert spent.value.reset_epoch == int(NOW.timestamp()) + 3600
    fake.hourly_points = 5000
    fake.tokens[token].reset_epoch = 0
    fake.limit_next(status=429, retry_after=30)
    with pytest.raises(RateLimited) as secondary:
        client(fake).user(token)
    assert secondary.value.retry_after == 30

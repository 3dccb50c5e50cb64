"""The GitHub pieces on their own: role attribution from a query's answer, URLs for github.com and GHES,
rate-limit answers turned into waits, and the settings GitHub needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.db.models import FoundRole
from bot.services.sources.github import attribute, wait_until
from bot.settings import Mode, Settings, SettingsError
from bot.webapi.github import GitHubClient, RateLimited

START = datetime(2026, 11, 11, 15, tzinfo=UTC)
END = START + timedelta(days=7)
INSIDE = "2026-11-15T10:00:00Z"
BEFORE = "2026-11-01T10:00:00Z"


def pr(author: str, merged: bool = True, merged_at: str = INSIDE, number: int = 1) -> dict[str, Any]:
    return {
        "id": f"PR_{number}",
        "title": f"PR {number}",
        "url": f"https://github.com/o/r/pull/{number}",
        "merged": merged,
        "mergedAt": merged_at if merged else None,
        "author": {"login": author},
        "repository": {"nameWithOwner": "o/r", "isPrivate": False},
    }


def review(reviewer: str, author: str, at: str = INSIDE, number: int = 2, state: str = "APPROVED") -> dict[str, Any]:
    return {
        "occurredAt": at,
        "pullRequestReview": {"state": state, "submittedAt": at, "author": {"login": reviewer}},
        "pullRequest": {
            key: value for key, value in pr(author, number=number).items() if key not in {"merged", "mergedAt"}
        },
    }


def answer(merged: list[Any], reviews: list[Any], closed: list[Any] | None = None) -> dict[str, Any]:
    def connection(nodes: list[Any]) -> dict[str, Any]:
        return {"pageInfo": {"hasNextPage": False}, "nodes": nodes}

    return {
        "merged": connection(merged),
        "viewer": {"contributionsCollection": {"pullRequestReviewContributions": connection(reviews)}},
        "closed": connection(closed or []),
    }


def test_only_merged_prs_the_member_authored_in_the_window() -> None:
    data = answer(
        [
            pr("Ana", number=1),
            pr("ana", merged=False, number=3),
            pr("bo", number=4),
            pr("ana", merged_at=BEFORE, number=5),
        ],
        [],
    )
    found, truncated = attribute(data, "ana", START, END)
    assert [(a.key, a.role) for a in found] == [("authored:PR_1", FoundRole.AUTHORED)] and not truncated


def test_a_review_is_dated_by_the_review_and_never_of_ones_own_pr() -> None:
    data = answer(
        [],
        [
            review("ana", "bo", "2026-11-16T09:00:00Z", number=2),
            review("ana", "bo", "2026-11-14T09:00:00Z", number=2),  # an earlier review of the same PR: one item
            review("ana", "ana", number=6),  # own PR
            review("ana", "bo", BEFORE, number=7),  # weeks ago
            review("ana", "bo", number=8, state="PENDING"),  # a draft nobody has seen
            review("bo", "cy", number=9),  # someone else's review
        ],
    )
    found, _ = attribute(data, "ana", START, END)
    assert [(a.key, a.role, a.acted_at) for a in found] == [
        ("reviewed:PR_2", FoundRole.REVIEWED, datetime(2026, 11, 14, 9, tzinfo=UTC))
    ]


def test_an_issue_is_the_members_only_if_their_close_is_the_last() -> None:
    def issue(number: int, actor: str, at: str = INSIDE) -> dict[str, Any]:
        return {
            "id": f"I_{number}",
            "title": f"Issue {number}",
            "url": f"https://github.com/o/r/issues/{number}",
            "closed": True,
            "closedAt": at,
            "repository": {"nameWithOwner": "o/r", "isPrivate": True},
            "timelineItems": {"nodes": [{"createdAt": at, "actor": {"login": actor}}]},
        }

    found, _ = attribute(answer([], [], [issue(1, "ana"), issue(2, "bo"), issue(3, "ana", BEFORE)]), "ana", START, END)
    assert [(a.key, a.private) for a in found] == [("closed:I_1", True)]


def test_graphql_url_on_github_com_and_enterprise_server() -> None:
    assert (
        GitHubClient("https://github.com", "https://api.github.com", "id", "s").graphql_url
        == "https://api.github.com/graphql"
    )
    ghes = GitHubClient("https://ghe.example.com/", "https://ghe.example.com/api/v3/", "id", "s")
    assert ghes.graphql_url == "https://ghe.example.com/api/graphql"
    url = ghes.authorize_url("st", "repo")
    assert (
        url.startswith("https://ghe.example.com/login/oauth/authorize?") and "scope=repo" in url and "state=st" in url
    )
    assert "scope" not in ghes.authorize_url("st", "")


def test_waits_come_from_retry_after_then_the_reset() -> None:
    now = datetime(2026, 11, 18, 15, tzinfo=UTC)
    assert wait_until(RateLimited(retry_after=30), now) == now + timedelta(seconds=30)
    reset = int((now + timedelta(minutes=20)).timestamp())
    assert wait_until(RateLimited(reset_epoch=reset), now) == now + timedelta(minutes=20)
    assert wait_until(RateLimited(reset_epoch=reset - 3600), now) == now  # a reset already past: no wait
    assert wait_until(RateLimited(), now) == now + timedelta(seconds=60)


def settings(**values: str) -> Settings:
    base = {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"}
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


def test_github_needs_both_credentials_and_an_encryption_key() -> None:
    with pytest.raises(SettingsError, match="GITHUB_CLIENT_SECRET is missing"):
        settings(github_client_id="id").require(Mode.SERVE)
    with pytest.raises(SettingsError, match="TOKEN_ENCRYPTION_KEY is missing"):
        settings(github_client_id="id", github_client_secret="s").require(Mode.SERVE)
    key = Fernet.generate_key().decode()
    complete = settings(github_client_id="id", github_client_secret="s", token_encryption_key=key)
    complete.require(Mode.SERVE)
    assert complete.github_enabled and not settings().github_enabled
    assert complete.github_api_url == "https://api.github.com/"

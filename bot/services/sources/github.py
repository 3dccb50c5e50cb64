"""GitHub as a :class:`~bot.services.sources.Source`: one GraphQL query a member a week.

Role attribution, each by the member's own action:

- **authored**: pull requests they authored that were *merged* (``is:merged``; closed unmerged ones are not
  offered), dated by the merge;
- **reviewed**: reviews they *submitted* (``contributionsCollection.pullRequestReviewContributions``) on pull
  requests someone else authored, dated by their review (``occurredAt``), never by the PR's own dates; several
  reviews of one PR in the window are one item, dated by the first;
- **closed**: issues whose closing event's actor is them (``ClosedEvent.actor``), dated by that event; an
  issue they were involved in but someone else closed is not theirs.

The member is whoever the token belongs to, never a login typed into a query: the searches say ``@me`` and the
reviews are the ``viewer``'s, so a renamed GitHub account keeps working without a reconnect (and a new account
that takes the old login is never read as theirs). The same query reads the viewer's ``login`` and numeric
``databaseId``: the id must be the one proved at connect (``connected_accounts.external_id``), and the login,
which attribution compares against, is the current one (the stored copy is refreshed from it).

One query holds all three (two searches and the contributions collection): about 1 point of GitHub's 5,000 an
hour per token (``bench/github_find.py`` prints the figures). Each part reads its first :data:`PAGE` items;
more in one week than that is reported as ``truncated`` and logged, not paged (a week with over 50 merged PRs of
one person is a bot account, not a brag document).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.db.models import FoundRole
from bot.services.sources import (
    Activity,
    Found,
    Identity,
    SourceRateLimited,
    SourceUnauthorized,
    SourceUnavailable,
)
from bot.webapi.github import (
    SECONDARY_LIMIT_WAIT_SECONDS,
    GitHubClient,
    GitHubError,
    OAuthRefused,
    RateLimited,
    Unauthorized,
)

log = logging.getLogger(__name__)

NAME = "github"
PAGE = 50
"""Items of each kind one query reads (GitHub allows up to 100 per connection; 50 keeps a query's cost at 1)."""
PUBLIC_SCOPES = ""
"""No scope at all: a classic OAuth token then reads public data only (``/user``, public repositories)."""
PRIVATE_SCOPES = "repo"
"""Private repositories: classic OAuth apps have no read-only scope for them, ``repo`` is the only one that
shows private pull requests, reviews and issues. It grants write access too, so it is asked for only when the
member chooses ``/coach github connect private``; the bot never writes (its only calls are ``GET /user``,
GraphQL *queries* and the grant's deletion)."""

QUERY = """
query Found($from: DateTime!, $to: DateTime!, $merged: String!, $closed: String!, $first: Int!) {
  merged: search(query: $merged, type: ISSUE, first: $first) {
    pageInfo { hasNextPage }
    nodes {
      ... on PullRequest {
        id title url merged mergedAt
        author { login }
        repository { nameWithOwner isPrivate }
      }
    }
  }
  viewer {
    login databaseId
    contributionsCollection(from: $from, to: $to) {
      pullRequestReviewContributions(first: $first) {
        pageInfo { hasNextPage }
        nodes {
          occurredAt
          pullRequestReview { state submittedAt author { login } }
          pullRequest { id title url author { login } repository { nameWithOwner isPrivate } }
        }
      }
    }
  }
  closed: search(query: $closed, type: ISSUE, first: $first) {
    pageInfo { hasNextPage }
    nodes {
      ... on Issue {
        id title url closed closedAt
        repository { nameWithOwner isPrivate }
        timelineItems(itemTypes: [CLOSED_EVENT], last: 1) {
          nodes { ... on ClosedEvent { createdAt actor { login } } }
        }
      }
    }
  }
  rateLimit { remaining resetAt cost }
}
"""


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _login(node: Any) -> str:
    return str(node.get("login") or "").lower() if isinstance(node, dict) else ""


def _nodes(connection: Any) -> tuple[list[dict[str, Any]], bool]:
    if not isinstance(connection, dict):
        return [], False
    nodes = [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
    return nodes, bool((connection.get("pageInfo") or {}).get("hasNextPage"))


def _repository(node: dict[str, Any]) -> tuple[str, bool]:
    repository = node.get("repository") or {}
    return str(repository.get("nameWithOwner") or ""), bool(repository.get("isPrivate", True))


def attribute(data: dict[str, Any], login: str, start: datetime, end: datetime) -> tuple[list[Activity], bool]:
    """The member's own actions in ``[start, end)`` from the query's answer (pure: tested on its own too)."""
    me = login.lower()
    found: dict[str, Activity] = {}
    truncated = False

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    def keep(activity: Activity) -> None:
        earlier = found.get(activity.key)
        if earlier is None or activity.acted_at < earlier.acted_at:
            found[activity.key] = activity

    merged, more = _nodes(data.get("merged"))
    truncated |= more
    for pr in merged:
        merged_at = _parse(pr.get("mergedAt"))
        if pr.get("merged") is not True or _login(pr.get("author")) != me or not within(merged_at) or not pr.get("id"):
            continue
        assert merged_at is not None
        repository, private = _repository(pr)
        keep(
            Activity(
                f"{FoundRole.AUTHORED.value}:{pr['id']}",
                FoundRole.AUTHORED,
                str(pr.get("title") or ""),
                str(pr.get("url") or ""),
                repository,
                private,
                merged_at,
            )
        )

    collection = ((data.get("viewer") or {}).get("contributionsCollection")) or {}
    reviews, more = _nodes(collection.get("pullRequestReviewContributions"))
    truncated |= more
    for contribution in reviews:
        review = contribution.get("pullRequestReview") or {}
        pr = contribution.get("pullRequest") or {}
        submitted = _parse(review.get("submittedAt")) or _parse(contribution.get("occurredAt"))
        if (
            _login(review.get("author")) != me
            or _login(pr.get("author")) == me  # a comment on their own PR is not a review given
            or review.get("state") == "PENDING"  # a draft review nobody else has seen
            or not within(submitted)
            or not pr.get("id")
        ):
            continue
        assert submitted is not None
        repository, private = _repository(pr)
        keep(
            Activity(
                f"{FoundRole.REVIEWED.value}:{pr['id']}",
                FoundRole.REVIEWED,
                str(pr.get("title") or ""),
                str(pr.get("url") or ""),
                repository,
                private,
                submitted,
            )
        )

    closed, more = _nodes(data.get("closed"))
    truncated |= more
    for issue in closed:
        events, _ = _nodes(issue.get("timelineItems"))
        if issue.get("closed") is not True or not events or not issue.get("id"):
            continue
        event = events[-1]  # the last close: a reopened and closed again issue is theirs only if they closed it last
        closed_at = _parse(event.get("createdAt"))
        if _login(event.get("actor")) != me or not within(closed_at):
            continue
        assert closed_at is not None
        repository, private = _repository(issue)
        keep(
            Activity(
                f"{FoundRole.CLOSED.value}:{issue['id']}",
                FoundRole.CLOSED,
                str(issue.get("title") or ""),
                str(issue.get("url") or ""),
                repository,
                private,
                closed_at,
            )
        )
    return sorted(found.values(), key=lambda a: (a.acted_at, a.key)), truncated


class GitHubSource:
    name = NAME
    label = "GitHub"

    def __init__(self, client: GitHubClient) -> None:
        self.client = client

    def authorize_url(self, state: str, scopes: str) -> str:
        return self.client.authorize_url(state, scopes)

    def complete(self, code: str) -> Identity:
        try:
            grant = self.client.exchange_code(code)
            user = self.client.user(grant.access_token)
        except (OAuthRefused, Unauthorized) as error:
            raise SourceUnauthorized(str(error)) from None
        except RateLimited as error:
            raise SourceUnavailable(str(error)) from None
        except GitHubError as error:
            raise SourceUnavailable(str(error)) from None
        return Identity(str(user.id), user.login, grant.access_token, grant.scopes)

    def find(self, identity: Identity, start: datetime, end: datetime, now: datetime) -> Found:
        window = f"{_stamp(start)}..{_stamp(end)}"
        variables = {
            "from": _stamp(start),
            "to": _stamp(end),
            "merged": f"is:pr is:merged author:@me merged:{window}",
            "closed": f"is:issue is:closed involves:@me closed:{window}",
            "first": PAGE,
        }
        try:
            data, rate = self.client.graphql(identity.token, QUERY, variables)
        except Unauthorized:
            raise SourceUnauthorized("GitHub refused the token") from None
        except RateLimited as limited:
            raise SourceRateLimited(wait_until(limited, now)) from None
        except GitHubError as error:
            raise SourceUnavailable(str(error)) from None
        viewer = data.get("viewer") or {}
        login, account_id = viewer.get("login"), viewer.get("databaseId")
        if not isinstance(login, str) or not login or not isinstance(account_id, int):
            raise SourceUnavailable("GraphQL answered without the viewer's login and id")
        if str(account_id) != identity.external_id:
            # Not the account the member proved at connect (the id never changes, a login may): read nothing.
            raise SourceUnauthorized("the token answers for another GitHub account")
        activities, truncated = attribute(data, login, start, end)
        if truncated:
            log.warning("found items: more than one page in a week", extra={"source": NAME, "page": PAGE})
        spent = rate.remaining == 0 and rate.reset_epoch is not None
        until = datetime.fromtimestamp(rate.reset_epoch, UTC) if spent and rate.reset_epoch else None
        return Found(activities, until, truncated, login)

    def revoke(self, token: str) -> None:
        try:
            self.client.revoke(token)
        except GitHubError:
            # Our copy of the token is deleted either way; the member can also revoke it on GitHub's settings page.
            log.warning("GitHub grant not revoked at GitHub", exc_info=True)


def wait_until(limited: RateLimited, now: datetime) -> datetime:
    """When a rate-limited token may call again, on the bot's clock."""
    if limited.retry_after is not None:
        return now + timedelta(seconds=limited.retry_after)
    if limited.reset_epoch is not None:
        return max(now, datetime.fromtimestamp(limited.reset_epoch, UTC))
    return now + timedelta(seconds=SECONDARY_LIMIT_WAIT_SECONDS)

"""Where evidence is found for a member: a :class:`Source` per tracker (GitHub now; GitLab or Jira Cloud would
plug in the same way: an OAuth connect, an identity, and the member's own actions in a window).

A source only *reads*. What it returns is a list of :class:`Activity`: each one thing the member did (never
what someone else did on the same item), dated by their own action. ``bot/services/found.py`` stores them,
asks the evidence ranker for a confident suggestion, and offers them; nothing counts until the member saves one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.db.models import FoundRole


@dataclass(frozen=True)
class Activity:
    key: str
    """Unique within the source for this member and role: ``<role>:<the source's id for the item>``."""
    role: FoundRole
    title: str
    url: str
    repository: str
    private: bool
    acted_at: datetime


@dataclass(frozen=True)
class Identity:
    """Who the member proved to be on the source, and the token to read as them."""

    external_id: str
    """The account's stable id on the source (GitHub's numeric user id), proved at connect."""
    login: str
    token: str
    scopes: str


@dataclass(frozen=True)
class Found:
    activities: list[Activity]
    wait_until: datetime | None = None
    """The source's budget for this token is spent until then (no call before it), even though this one worked."""
    truncated: bool = False
    """More than one page matched; what is here is the first page of each kind (the rest: see the source)."""
    login: str | None = None
    """The account's login now, as the source named the token's owner (a renamed account's new login)."""


class SourceUnauthorized(Exception):
    """The source no longer accepts the token (revoked, expired): the account is disconnected."""


class SourceRateLimited(Exception):
    """The source asked us to wait until ``until``; nothing was read."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"wait until {until.isoformat()}")
        self.until = until


class SourceUnavailable(Exception):
    """The source could not answer now (network, 5xx); try again later."""


class Source(Protocol):
    name: str
    """Stored in ``connected_accounts.source`` and ``found_items.source``."""
    label: str
    """How people call it: "GitHub"."""

    def authorize_url(self, state: str, scopes: str) -> str: ...

    def complete(self, code: str) -> Identity:
        """Exchange the OAuth code and prove the login (raises :class:`SourceUnauthorized` on refusal)."""
        ...

    def find(self, identity: Identity, start: datetime, end: datetime, now: datetime) -> Found:
        """The member's own actions with ``start <= acted_at < end``, identified by the token's account (its
        ``external_id``), not by the login, which its owner may rename (:class:`SourceUnauthorized` when the
        token answers for another account)."""
        ...

    def revoke(self, token: str) -> None: ...

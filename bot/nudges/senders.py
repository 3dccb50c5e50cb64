"""What delivery keeps per tick besides the ledger (``delivery.py``): the report of outcomes, and each workspace's
Web API clients."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Workspace
from bot.deps import Deps
from bot.webapi.client import make_web_client
from bot.webapi.tokens import TokenSource

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    by_kind: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Outcomes (sent, skipped, failed, retry_later, held) per nudge kind."""
    rate_limited: int = 0
    """429s Slack answered (each paused the workspace's sends, in every replica, for Retry-After)."""

    def count(self, outcome: str) -> int:
        return sum(counts[outcome] for counts in self.by_kind.values())


@dataclass
class Sender:
    client: WebClient
    lookup: WebClient
    """With the default retry policy: reconciliation reads history, it does not take send slots."""
    dead: bool = False
    """Slack refused the token this tick: the workspace's other rows wait an hour, not an attempt."""


def new_sender(deps: Deps, tokens: TokenSource, session: Session, workspace_id: int) -> Sender | str:
    workspace = session.execute(
        select(Workspace.team_id, Workspace.enterprise_id).where(
            Workspace.id == workspace_id, Workspace.uninstalled_at.is_(None)
        )
    ).one_or_none()
    if workspace is None:
        return "workspace uninstalled"
    token = tokens.bot_token(workspace.team_id, workspace.enterprise_id)
    if token is None:
        log.warning("no bot token for a workspace; skipping its nudges", extra={"team": workspace.team_id})
        return "no bot token for this workspace"
    url, metrics = deps.settings.slack_api_url, deps.metrics
    # No retry handlers: a 429 goes back to the ledger and pauses the workspace's bucket (every replica
    # waits), rather than a worker sleeping through Retry-After inside slack_sdk.
    sending = make_web_client(url, token, handlers=[], metrics=metrics)
    return Sender(sending, make_web_client(url, token, metrics=metrics))

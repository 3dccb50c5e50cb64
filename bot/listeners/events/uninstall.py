"""``app_uninstalled`` and ``tokens_revoked``: forget the workspace's tokens, stop its nudges."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.deps import Deps
from bot.services import workspaces
from bot.slack.acting import first_delivery, received_at
from bot.slack.request import Request

log = logging.getLogger(__name__)


def _forget_workspace(context: BoltContext, deps: Deps, store: InstallationStore | None) -> None:
    team_id = context.team_id or ""
    if store is not None:
        store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
    # As of when Slack sent it (a resumed one may run minutes later): requests received before it do not
    # undo it, those after it mean a reinstall (bot/services/members.py).
    workspaces.mark_uninstalled(deps.db, team_id, received_at(context) or deps.clock())
    log.info("workspace uninstalled: tokens removed, nudges stopped", extra={"team": team_id})


def make_app_uninstalled(store: InstallationStore | None) -> Callable[..., None]:
    def app_uninstalled(request: Request) -> None:
        if first_delivery(request.context, request.body):
            _forget_workspace(request.context, request.deps, store)

    return app_uninstalled


def make_tokens_revoked(store: InstallationStore | None) -> Callable[..., None]:
    def tokens_revoked(request: Request) -> None:
        if not first_delivery(request.context, request.body):
            return
        tokens = request.event.get("tokens", {})
        if tokens.get("bot"):
            _forget_workspace(request.context, request.deps, store)
        if store is not None:
            for user_id in tokens.get("oauth", []):
                store.delete_installation(
                    enterprise_id=request.context.enterprise_id, team_id=request.context.team_id, user_id=user_id
                )

    return tokens_revoked

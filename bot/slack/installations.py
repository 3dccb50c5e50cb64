"""The OAuth installation store (multi-workspace mode), on our database and our Alembic tables."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.slack.deps import Deps


def make_installation_store(deps: Deps) -> InstallationStore:
    assert deps.settings.slack_client_id is not None
    return SQLAlchemyInstallationStore(client_id=deps.settings.slack_client_id, engine=deps.db.engine)

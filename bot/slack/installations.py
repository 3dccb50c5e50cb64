"""The OAuth installation store (multi-workspace mode), on our database and our Alembic tables.

With ``TOKEN_ENCRYPTION_KEY`` set, every token is Fernet-encrypted before it is written and
decrypted when read, so a copy of the database alone does not hand out workspace tokens.
"""

from __future__ import annotations

import copy
import logging
from typing import TypeVar

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.deps import Deps
from bot.services import workspaces

_TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
_Record = TypeVar("_Record", Bot, Installation)


class ForwardingStore(InstallationStore):
    """An installation store that hands every call to ``inner``; wrappers override what they change.

    ``_stored`` sees every record on its way in, ``_loaded`` every record found (both unchanged here).
    """

    def __init__(self, inner: InstallationStore) -> None:
        self._inner = inner

    def _stored(self, record: _Record) -> _Record:
        return record

    def _loaded(self, record: _Record | None) -> _Record | None:
        return record

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(__name__)

    def save(self, installation: Installation) -> None:
        self._inner.save(self._stored(installation))

    def save_bot(self, bot: Bot) -> None:
        self._inner.save_bot(self._stored(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return self._loaded(
            self._inner.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self._loaded(
            self._inner.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self._inner.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._inner.delete_all(enterprise_id=enterprise_id, team_id=team_id)


class EncryptedInstallationStore(ForwardingStore):
    """Wraps another store; tokens are ciphertext at rest and plaintext only in memory."""

    def __init__(self, inner: InstallationStore, key: str) -> None:
        super().__init__(inner)
        self._fernet = Fernet(key.encode())

    def _transform(self, record: _Record, encrypt: bool) -> _Record:
        changed = copy.copy(record)
        for name in _TOKEN_FIELDS:
            value = getattr(changed, name, None)
            if not value:
                continue
            if encrypt:
                setattr(changed, name, self._fernet.encrypt(value.encode()).decode())
            else:
                try:
                    setattr(changed, name, self._fernet.decrypt(value.encode()).decode())
                except InvalidToken:
                    # Written before encryption was switched on (or with another key): unusable.
                    self.logger.error("a stored token could not be decrypted", extra={"field": name})
                    setattr(changed, name, None)
        return changed

    def _stored(self, record: _Record) -> _Record:
        return self._transform(record, encrypt=True)

    def _loaded(self, record: _Record | None) -> _Record | None:
        return self._transform(record, encrypt=False) if record is not None else None


class ReinstallingStore(ForwardingStore):
    """Wraps another store; saving a workspace's installation (a new or repeated OAuth install)
    resumes service there, for members enrolled before an uninstall too."""

    def __init__(self, inner: InstallationStore, deps: Deps) -> None:
        super().__init__(inner)
        self._deps = deps

    def _stored(self, record: _Record) -> _Record:
        # slack_sdk stamps installed_at with time.time() when it builds the record (and its table defaults to
        # the database's now()): the time stored is the app's clock's, like every other time we store.
        stamped = copy.copy(record)
        stamped.installed_at = self._deps.clock().timestamp()
        return stamped

    def save(self, installation: Installation) -> None:
        self._inner.save(self._stored(installation))
        if installation.team_id and workspaces.mark_installed(self._deps.db, installation.team_id):
            self.logger.info("workspace reinstalled: service resumes", extra={"team": installation.team_id})


def make_installation_store(deps: Deps) -> InstallationStore:
    settings = deps.settings
    assert settings.slack_client_id is not None
    store: InstallationStore = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=deps.db.engine)
    if settings.token_encryption_key is not None:
        store = EncryptedInstallationStore(store, settings.token_encryption_key.get_secret_value())
    return ReinstallingStore(store, deps)

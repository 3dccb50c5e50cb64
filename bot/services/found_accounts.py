"""Connected source accounts: connect (OAuth, a ``state`` used once), the token kept encrypted, disconnect.

Tokens are Fernet-encrypted with ``TOKEN_ENCRYPTION_KEY`` (required when GitHub is on, ``bot/settings.py``),
read only to call the source, never exported or logged.
"""

from __future__ import annotations

import enum
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import ConnectedAccount, ConnectState, Member
from bot.services.sources import Identity, Source, SourceUnauthorized, SourceUnavailable
from bot.services.sources.github import PRIVATE_SCOPES, PUBLIC_SCOPES, GitHubSource
from bot.settings import Settings
from bot.webapi.github import GitHubClient

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
"""GitHub's own OAuth codes live 10 minutes; a connect link older than that is refused too."""


def source_for(settings: Settings) -> Source | None:
    """The GitHub source when its settings are set; None means "off" (``/coach github`` says so)."""
    if not settings.github_enabled:
        return None
    assert settings.github_client_id is not None and settings.github_client_secret is not None
    client = GitHubClient(
        settings.github_base_url,
        settings.github_api_url,
        settings.github_client_id,
        settings.github_client_secret.get_secret_value(),
    )
    return GitHubSource(client)


def fernet(settings: Settings) -> Fernet:
    assert settings.token_encryption_key is not None  # Settings.require: GitHub on means a key is set
    return Fernet(settings.token_encryption_key.get_secret_value().encode())


def identity_of(settings: Settings, account: ConnectedAccount) -> Identity | None:
    try:
        token = fernet(settings).decrypt(account.token_ciphertext.encode()).decode()
    except InvalidToken:
        log.error("a connected account's token could not be decrypted (key changed?)", extra={"account": account.id})
        return None
    return Identity(account.external_id, account.login, token, account.scopes)


def account_of(session: Session, member_id: int, source: str) -> ConnectedAccount | None:
    return session.scalar(
        select(ConnectedAccount).where(ConnectedAccount.member_id == member_id, ConnectedAccount.source == source)
    )


# -- connecting --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    enabled: bool
    login: str | None = None
    private: bool = False
    """Connected with the ``repo`` scope: private repositories are read too."""


def status(db: Database, settings: Settings, member_id: int) -> Status:
    source = source_for(settings)
    if source is None:
        return Status(enabled=False)
    with db.transaction() as session:
        account = account_of(session, member_id, source.name)
        if account is None:
            return Status(enabled=True)
        return Status(True, account.login, PRIVATE_SCOPES in account.scopes.split(","))


def start_connect(db: Database, settings: Settings, member_id: int, private: bool, now: datetime) -> str | None:
    """The authorize URL for this member, with a fresh ``state`` bound to them; None when GitHub is off."""
    source = source_for(settings)
    if source is None:
        return None
    scopes = PRIVATE_SCOPES if private else PUBLIC_SCOPES
    state = secrets.token_urlsafe(32)
    with db.transaction() as session:
        session.execute(delete(ConnectState).where(ConnectState.expires_at <= now))
        session.add(
            ConnectState(
                state=state, member_id=member_id, source=source.name, scopes=scopes, expires_at=now + STATE_LIFETIME
            )
        )
    return source.authorize_url(state, scopes)


class ConnectOutcome(enum.StrEnum):
    CONNECTED = "connected"
    UNKNOWN_STATE = "unknown_state"
    """No such state (forged, used already, or older than 10 minutes)."""
    DECLINED = "declined"
    """The person pressed Cancel on GitHub's page."""
    REFUSED = "refused"
    """GitHub refused the code (used, expired) or the token."""
    UNAVAILABLE = "unavailable"
    OFF = "off"


@dataclass(frozen=True)
class Connected:
    outcome: ConnectOutcome
    login: str | None = None
    member_id: int | None = None


def complete_connect(db: Database, settings: Settings, state: str, code: str, error: str, now: datetime) -> Connected:
    """The OAuth callback: the state names the member (used once), the code proves the login (``GET /user``)."""
    source = source_for(settings)
    if source is None:
        return Connected(ConnectOutcome.OFF)
    if not state or len(state) > 64:
        return Connected(ConnectOutcome.UNKNOWN_STATE)
    with db.transaction() as session:
        pending = session.get(ConnectState, state)
        if pending is None or pending.source != source.name:
            return Connected(ConnectOutcome.UNKNOWN_STATE)
        member_id, expired = pending.member_id, pending.expires_at <= now
        session.delete(pending)  # one use, whatever happens next
    if expired:
        return Connected(ConnectOutcome.UNKNOWN_STATE)
    if error or not code:
        return Connected(ConnectOutcome.DECLINED, member_id=member_id)
    try:
        identity = source.complete(code)
    except SourceUnauthorized:
        log.warning("connect refused by the source", extra={"source": source.name, "member": member_id})
        return Connected(ConnectOutcome.REFUSED, member_id=member_id)
    except SourceUnavailable:
        log.warning("connect: source unavailable", extra={"source": source.name, "member": member_id}, exc_info=True)
        return Connected(ConnectOutcome.UNAVAILABLE, member_id=member_id)
    ciphertext = fernet(settings).encrypt(identity.token.encode()).decode()
    with db.transaction() as session:
        if session.get(Member, member_id) is None:  # deleted their data while on GitHub's page
            return Connected(ConnectOutcome.UNKNOWN_STATE)
        session.execute(
            delete(ConnectedAccount).where(
                ConnectedAccount.member_id == member_id, ConnectedAccount.source == source.name
            )
        )
        session.add(
            ConnectedAccount(
                member_id=member_id,
                source=source.name,
                external_id=identity.external_id,
                login=identity.login,
                token_ciphertext=ciphertext,
                scopes=identity.scopes,
                connected_at=now,
            )
        )
    log.info("account connected", extra={"source": source.name, "member": member_id})
    return Connected(ConnectOutcome.CONNECTED, identity.login, member_id)


def disconnect(db: Database, settings: Settings, member_id: int) -> str | None:
    """Forget the token (and delete the grant at the source); the login that was connected, or None."""
    source = source_for(settings)
    if source is None:
        return None
    with db.transaction() as session:
        account = account_of(session, member_id, source.name)
        if account is None:
            return None
        identity, login = identity_of(settings, account), account.login
        session.delete(account)
    if identity is not None:
        source.revoke(identity.token)
    log.info("account disconnected", extra={"source": source.name, "member": member_id})
    return login

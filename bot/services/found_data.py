"""A member's connected accounts and found items at the end of their life: exported, deleted, tokens forgotten."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import ConnectedAccount, ConnectState, FoundItem


def export_rows(session: Session, member_id: int) -> dict[str, list[dict[str, Any]]]:
    """Connected accounts (never the token) and found items, for the JSON export."""
    accounts = session.scalars(select(ConnectedAccount).where(ConnectedAccount.member_id == member_id))
    items = session.scalars(select(FoundItem).where(FoundItem.member_id == member_id).order_by(FoundItem.acted_at))
    return {
        "connected_accounts": [
            {
                "source": account.source,
                "login": account.login,
                "external_id": account.external_id,
                "scopes": account.scopes,
                "connected_at": account.connected_at,
            }
            for account in accounts
        ],
        "found_items": [
            {
                "source": item.source,
                "role": item.role.value,
                "title": item.title,
                "url": item.url,
                "repository": item.repository,
                "private": item.private,
                "acted_at": item.acted_at,
                "status": item.status.value,
                "suggested_evidence": item.suggested_evidence,
                "entry_id": item.entry_id,
                "found_at": item.found_at,
            }
            for item in items
        ],
    }


def delete_for_members(session: Session, member_ids: Any) -> int:
    """Tokens, connect states and found items of these members (a list or a SELECT of ids); the tokens deleted."""
    session.execute(delete(FoundItem).where(FoundItem.member_id.in_(member_ids)))
    session.execute(delete(ConnectState).where(ConnectState.member_id.in_(member_ids)))
    result = session.execute(delete(ConnectedAccount).where(ConnectedAccount.member_id.in_(member_ids)))
    return int(getattr(result, "rowcount", 0) or 0)


def forget_tokens(session: Session, member_ids: Any) -> int:
    """Uninstall: the tokens go at once (found items stay for the retention period, like the wins)."""
    session.execute(delete(ConnectState).where(ConnectState.member_id.in_(member_ids)))
    result = session.execute(delete(ConnectedAccount).where(ConnectedAccount.member_id.in_(member_ids)))
    return int(getattr(result, "rowcount", 0) or 0)

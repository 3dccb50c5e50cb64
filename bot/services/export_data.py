"""Everything the bot holds about someone, as JSON: read from the database (:func:`collect`), rendered
whole (:func:`render_json`, pure) or written one entry at a time (:func:`write_json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from bot.db.models import Member, NudgeDelivery, Rater, ReviewConversation, StuckSession, Workspace
from bot.services.entry_batches import StoredEntries
from bot.services.entry_reads import EntrySummary, all_entries, summarize
from bot.services.found_data import export_rows
from content import Content

EXPORT_FORMAT = "stagecoach-export/1"


@dataclass(frozen=True)
class ExportData:
    slack_user_id: str
    team_id: str
    stage: int | None
    timezone: str
    entries: list[EntrySummary]
    """Oldest first."""
    member_row: dict[str, Any]
    entry_rows: list[dict[str, Any]]
    stuck_rows: list[dict[str, Any]]
    delivery_rows: list[dict[str, Any]]
    review_rows: list[dict[str, Any]] = field(default_factory=list)
    """Their review conversations with their own ratings (a manager's ratings are the manager's words)."""
    found_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Connected accounts (login and scopes, never the token) and found items (``services/found.py``)."""


def _row(obj: object) -> dict[str, Any]:
    """Every column of a mapped object, so new columns are exported without anyone remembering to."""
    mapper = inspect(obj).mapper
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}


def collect(session: Session, content: Content, member: Member, *, with_entries: bool = True) -> ExportData:
    """Everything stored about ``member``: settings, wins with evidence, stuck timers, the ledger rows
    about them or sent to them (``with_entries=False``: all but the wins, which an export streams)."""
    workspace = session.get(Workspace, member.workspace_id)
    entries = all_entries(session, member.id) if with_entries else []
    entry_rows = [{**_row(entry), "evidence": sorted(entry.evidence_keys)} for entry in entries]
    stuck = session.scalars(
        select(StuckSession).where(StuckSession.member_id == member.id).order_by(StuckSession.started_at)
    )
    deliveries = session.scalars(
        select(NudgeDelivery)
        .where(
            (NudgeDelivery.member_id == member.id)
            | (
                (NudgeDelivery.workspace_id == member.workspace_id)
                & (NudgeDelivery.recipient_id == member.slack_user_id)
            )
        )
        .order_by(NudgeDelivery.due_at, NudgeDelivery.id)
    )
    conversations = session.scalars(
        select(ReviewConversation)
        .where(ReviewConversation.member_id == member.id)
        .order_by(ReviewConversation.review_date)
    )
    review_rows = [
        {
            **_row(conversation),
            "ratings": {r.criterion_key: r.level for r in conversation.ratings if r.rater == Rater.SELF},
        }
        for conversation in conversations
    ]
    return ExportData(
        slack_user_id=member.slack_user_id,
        team_id=workspace.team_id if workspace is not None else "",
        stage=member.stage,
        timezone=member.timezone,
        entries=[summarize(content, entry) for entry in entries],
        member_row=_row(member),
        entry_rows=entry_rows,
        stuck_rows=[_row(row) for row in stuck],
        delivery_rows=[_row(row) for row in deliveries],
        review_rows=review_rows,
        found_rows=export_rows(session, member.id),
    )


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def render_json(data: ExportData, exported_at: datetime) -> str:
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": exported_at,
        "slack_user_id": data.slack_user_id,
        "team_id": data.team_id,
        "member": data.member_row,
        "brag_entries": data.entry_rows,
        "stuck_sessions": data.stuck_rows,
        "nudge_deliveries": data.delivery_rows,
        "review_conversations": data.review_rows,
        **data.found_rows,
    }
    return json.dumps(document, default=_json_value, indent=2, ensure_ascii=False) + "\n"


def _indented(text: str, indent: str) -> str:
    return indent + text.replace("\n", "\n" + indent)


def write_json(out: TextIO, session: Session, entries: StoredEntries, member: Member, exported_at: datetime) -> None:
    """:func:`render_json`'s document, written one entry at a time (the same keys, in the same order)."""
    data = collect(session, entries._content, member, with_entries=False)
    head = {
        "format": EXPORT_FORMAT,
        "exported_at": exported_at,
        "slack_user_id": data.slack_user_id,
        "team_id": data.team_id,
        "member": data.member_row,
    }
    opening = json.dumps(head, default=_json_value, indent=2, ensure_ascii=False)
    out.write(opening[: -len("\n}")] + ',\n  "brag_entries": [')
    first = True
    for batch in entries.batches(newest_first=False):
        for entry in batch:
            row = {**_row(entry), "evidence": sorted(entry.evidence_keys)}
            text = json.dumps(row, default=_json_value, indent=2, ensure_ascii=False)
            out.write(("\n" if first else ",\n") + _indented(text, "    "))
            first = False
    out.write("]" if first else "\n  ]")
    rest = {
        "stuck_sessions": data.stuck_rows,
        "nudge_deliveries": data.delivery_rows,
        "review_conversations": data.review_rows,
        **data.found_rows,
    }
    out.write("," + json.dumps(rest, default=_json_value, indent=2, ensure_ascii=False)[1:] + "\n")

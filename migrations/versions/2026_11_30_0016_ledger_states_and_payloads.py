"""ledger: explicit states (pending is due), a typed payload, kind priority, one claim index; no marker rows

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 06:30:00+00:00
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMABLE = "status IN ('due', 'sending')"
PRIORITIES = {
    'stuck': 10,
    'review_reminder': 40,
    'review_rating': 40,
    'review_agenda': 40,
    'stage_changed': 45,
    'weekly_prompt': 50,
    'digest': 60,
}
_PATTERNS: dict[str, tuple[str, Any]] = {
    'weekly_prompt': (r'\d{4}-W(\d\d)(-snooze-.*)?', lambda m: {'week': int(m[1]), 'snoozed': m[2] is not None}),
    'stuck': (r'stuck-(\d+)-(\d+)', lambda m: {'session_id': int(m[1]), 'extensions': int(m[2])}),
    'review_reminder': (
        r'review-(\d{4}-\d\d-\d\d)-(\d+)d',
        lambda m: {'review_date': m[1], 'days_before': int(m[2])},
    ),
    'review_rating': (
        r'rating-(\d{4}-\d\d-\d\d)-(?:self|m(\d+))',
        lambda m: {'review_date': m[1], 'conversation_id': int(m[2]) if m[2] else None},
    ),
    'review_agenda': (r'agenda-(\d+)-(self|manager)', lambda m: {'conversation_id': int(m[1]), 'reader': m[2]}),
    'stage_changed': (
        r'stage-(\d+)-(\d+)-(\d+)-\d+',
        lambda m: {'member_id': int(m[1]), 'before': int(m[2]), 'after': int(m[3])},
    ),
    'digest': (r'[^:]+:([^:]+):p(\d+)', lambda m: {'manager_user_id': m[1], 'page': int(m[2])}),
}


def payload_of(kind: str, period_key: str) -> dict[str, Any]:
    """What the renderers used to parse out of the period key; {} for a key they could not read either."""
    pattern, build = _PATTERNS.get(kind, (None, None))
    found = re.fullmatch(pattern, period_key) if pattern else None
    return build(found) if found else {}


ledger = sa.table(
    'nudge_deliveries',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('period_key', sa.String),
    sa.column('payload', sa.JSON),
)
# While ``sending``, the lease end moves to next_attempt_at and the attempts' start out of it (a swap both ways).
SWAP = (
    "UPDATE nudge_deliveries SET next_attempt_at = COALESCE({col}, next_attempt_at), {col} = next_attempt_at "
    "WHERE status = 'sending'"
)


def upgrade() -> None:
    # The daily tz_refresh markers (a lock made of ledger rows) ended with the paged users.list pass.
    op.execute("DELETE FROM nudge_deliveries WHERE kind = 'tz_refresh'")
    op.execute("UPDATE nudge_deliveries SET status = 'due' WHERE status = 'pending'")
    op.execute(SWAP.format(col='claim_expires_at'))
    op.execute("UPDATE nudge_deliveries SET claim_expires_at = NULL WHERE status <> 'sending'")
    with op.batch_alter_table('nudge_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_nudge_deliveries_status_next')
        batch_op.alter_column('claim_expires_at', new_column_name='attempt_started_at')
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('priority', sa.SmallInteger(), nullable=False, server_default='100'))
    whens = ' '.join(f"WHEN '{kind}' THEN {priority}" for kind, priority in PRIORITIES.items())
    op.execute(f"UPDATE nudge_deliveries SET priority = CASE kind {whens} ELSE 100 END")
    connection = op.get_bind()
    rows = connection.execute(sa.select(ledger.c.id, ledger.c.kind, ledger.c.period_key)).all()
    payloads = [{'b_id': row.id, 'b_payload': payload_of(row.kind, row.period_key)} for row in rows]
    if payloads:
        connection.execute(
            ledger.update().where(ledger.c.id == sa.bindparam('b_id')).values(payload=sa.bindparam('b_payload')),
            payloads,
        )
    with op.batch_alter_table('nudge_deliveries', schema=None) as batch_op:
        batch_op.alter_column('payload', server_default=None)
        batch_op.alter_column('priority', server_default=None)
    op.create_index(
        'ix_nudge_deliveries_claim',
        'nudge_deliveries',
        ['priority', 'next_attempt_at'],
        unique=False,
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )


def downgrade() -> None:
    op.drop_index('ix_nudge_deliveries_claim', table_name='nudge_deliveries')
    with op.batch_alter_table('nudge_deliveries', schema=None) as batch_op:
        batch_op.drop_column('priority')
        batch_op.drop_column('payload')
        batch_op.alter_column('attempt_started_at', new_column_name='claim_expires_at')
        batch_op.create_index('ix_nudge_deliveries_status_next', ['status', 'next_attempt_at'], unique=False)
    op.execute(SWAP.format(col='claim_expires_at'))
    op.execute("UPDATE nudge_deliveries SET claim_expires_at = NULL WHERE status <> 'sending'")
    op.execute("UPDATE nudge_deliveries SET status = 'pending' WHERE status = 'due'")

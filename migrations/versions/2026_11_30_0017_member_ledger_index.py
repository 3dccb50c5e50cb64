"""ledger: the member index also holds kind and due_at, so a member's earlier prompts are one index range

Without it SQLite answered "this member's prompts of this kind due before X" from the (kind, due_at)
index, reading every earlier row of the kind: in a 10,000-member fan-out each render read up to 8,000
rows, and sends fell from 194 to 130 a second as the fan-out went on (``bench.weekly_prompt_fanout``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 09:40:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_nudge_deliveries_member_kind_due', 'nudge_deliveries', ['member_id', 'kind', 'due_at'], unique=False
    )
    op.drop_index('ix_nudge_deliveries_member', table_name='nudge_deliveries')


def downgrade() -> None:
    op.create_index('ix_nudge_deliveries_member', 'nudge_deliveries', ['member_id'], unique=False)
    op.drop_index('ix_nudge_deliveries_member_kind_due', table_name='nudge_deliveries')

"""capture: wins written in the bot's DM (source message) and suggested evidence awaiting confirmation

Revision ID: 0012
Revises: 0001
Create Date: 2026-11-30 04:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('brag_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggested_evidence', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('slack_channel_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('slack_ts', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_brag_entries_slack_message', ['slack_channel_id', 'slack_ts'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('brag_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_brag_entries_slack_message')
        batch_op.drop_column('slack_ts')
        batch_op.drop_column('slack_channel_id')
        batch_op.drop_column('suggested_evidence')

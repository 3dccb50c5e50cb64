"""time off, pause, working days and quiet hours; the paged users.list pass

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 04:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('away_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('workdays', sa.SmallInteger(), server_default='31', nullable=False))
        batch_op.add_column(sa.Column('quiet_start_minute', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('quiet_end_minute', sa.SmallInteger(), nullable=True))
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_cursor', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('profile_page_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('profile_pass_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('profile_pass_done_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('profile_pass_done_at')
        batch_op.drop_column('profile_pass_started_at')
        batch_op.drop_column('profile_page_at')
        batch_op.drop_column('profile_cursor')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('quiet_end_minute')
        batch_op.drop_column('quiet_start_minute')
        batch_op.drop_column('workdays')
        batch_op.drop_column('paused_until')
        batch_op.drop_column('away_until')
        batch_op.drop_column('away_since')

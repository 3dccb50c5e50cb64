"""inbox_requests: every acknowledged request is stored before its ack and resumed after a crash;
notices_sent: at most one message a day to a person about what another did; notice_mutes: none at all

Revision ID: 0024_durable_requests
Revises: 0023_github
Create Date: 2026-12-07 02:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0024_durable_requests'
down_revision: str | None = '0023_github'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'inbox_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('team_id', sa.String(length=32), nullable=True),
        sa.Column('user_id', sa.String(length=32), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_requests')),
    )
    op.create_index(op.f('ix_inbox_requests_lease_until'), 'inbox_requests', ['lease_until'], unique=False)
    op.create_index(op.f('ix_inbox_requests_user_id'), 'inbox_requests', ['user_id'], unique=False)
    op.create_table(
        'notices_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('actor_user_id', sa.String(length=32), nullable=False),
        sa.Column('recipient_id', sa.String(length=32), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ['workspace_id'],
            ['workspaces.id'],
            name=op.f('fk_notices_sent_workspace_id_workspaces'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices_sent')),
        sa.UniqueConstraint(
            'workspace_id',
            'kind',
            'actor_user_id',
            'recipient_id',
            'day',
            name=op.f('uq_notices_sent_workspace_id'),
        ),
    )
    op.create_index(op.f('ix_notices_sent_day'), 'notices_sent', ['day'], unique=False)
    op.create_table(
        'notice_mutes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('recipient_user_id', sa.String(length=32), nullable=False),
        sa.Column('about_user_id', sa.String(length=32), nullable=False),
        sa.Column('muted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['workspace_id'],
            ['workspaces.id'],
            name=op.f('fk_notice_mutes_workspace_id_workspaces'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_mutes')),
        sa.UniqueConstraint(
            'workspace_id', 'recipient_user_id', 'about_user_id', name=op.f('uq_notice_mutes_workspace_id')
        ),
    )


def downgrade() -> None:
    op.drop_table('notice_mutes')
    op.drop_index(op.f('ix_notices_sent_day'), table_name='notices_sent')
    op.drop_table('notices_sent')
    op.drop_index(op.f('ix_inbox_requests_user_id'), table_name='inbox_requests')
    op.drop_index(op.f('ix_inbox_requests_lease_until'), table_name='inbox_requests')
    op.drop_table('inbox_requests')

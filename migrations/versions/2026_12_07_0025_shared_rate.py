"""shared send rate: one token bucket row per workspace and per channel posted to (send_buckets), the fair claim's index, and each
member's next weekly prompt (members.prompt_due_at)

Replicas paced each workspace in their own process, so four replicas sent at four times the rate and met
7,884 429s for 5,000 sends (issue 25). The bucket row is locked by the claim (FOR UPDATE SKIP LOCKED);
the index answers "does this workspace have a row due?" and "its most urgent one" per workspace.
The weekly planner looked at every member every minute (300,000 members: 5-7 s a minute); with
prompt_due_at it reads only the members whose prompt fell due.

Revision ID: 0025_shared_rate
Revises: 0024_durable_requests
Create Date: 2026-12-07 02:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025_shared_rate'
down_revision: str | None = '0024_durable_requests'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMABLE = "status IN ('due', 'sending')"
PARTIAL_MEMBER_INDEXES = [
    ('ix_members_review_date', ['review_date'], 'review_date IS NOT NULL'),
    ('ix_members_digest_channel', ['digest_channel_id'], 'digest_channel_id IS NOT NULL'),
    ('ix_members_named_manager', ['workspace_id', 'manager_slack_user_id'], 'manager_slack_user_id IS NOT NULL'),
]


def upgrade() -> None:
    op.create_table(
        'send_buckets',
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.String(length=32), nullable=False),
        sa.Column('next_send_at', sa.Double(), nullable=False),
        sa.Column('paused_until', sa.Double(), nullable=False),
        sa.Column('rate_limited', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['workspace_id'], ['workspaces.id'], name=op.f('fk_send_buckets_workspace_id_workspaces'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('workspace_id', 'channel_id', name=op.f('pk_send_buckets')),
    )
    op.add_column('members', sa.Column('prompt_due_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_members_prompt_due', 'members', ['prompt_due_at'], unique=False)
    op.create_index('ix_members_prompt_snoozed_until', 'members', ['prompt_snoozed_until'], unique=False)
    for name, columns, predicate in PARTIAL_MEMBER_INDEXES:
        where = sa.text(predicate)
        op.create_index(name, 'members', columns, unique=False, postgresql_where=where, sqlite_where=where)
    op.create_index(
        'ix_nudge_deliveries_workspace_claim',
        'nudge_deliveries',
        ['workspace_id', 'priority', 'next_attempt_at'],
        unique=False,
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )
    # The claim now goes by workspace: the index above serves it, and a planned row writes one index fewer.
    op.drop_index(
        'ix_nudge_deliveries_claim',
        table_name='nudge_deliveries',
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )


def downgrade() -> None:
    op.create_index(
        'ix_nudge_deliveries_claim',
        'nudge_deliveries',
        ['priority', 'next_attempt_at'],
        unique=False,
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )
    op.drop_index(
        'ix_nudge_deliveries_workspace_claim',
        table_name='nudge_deliveries',
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )
    op.drop_table('send_buckets')
    for name, _columns, _predicate in PARTIAL_MEMBER_INDEXES:
        op.drop_index(name, table_name='members')
    op.drop_index('ix_members_prompt_snoozed_until', table_name='members')
    op.drop_index('ix_members_prompt_due', table_name='members')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('prompt_due_at')

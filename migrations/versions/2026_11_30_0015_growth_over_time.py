"""growth over time: decide/propose/learn on wins, previous stage, review self-ratings

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 04:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('brag_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('growth_signal', sa.String(length=16), nullable=True))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_stage', sa.SmallInteger(), nullable=True))
    op.create_table('review_conversations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=False),
    sa.Column('stage', sa.SmallInteger(), nullable=False),
    sa.Column('invited_manager_id', sa.String(length=32), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('self_rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('manager_rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agenda_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_review_conversations_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_conversations')),
    sa.UniqueConstraint('member_id', 'review_date', name='uq_review_conversations_member_date')
    )
    op.create_table('review_ratings',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('rater', sa.String(length=16), nullable=False),
    sa.Column('criterion_key', sa.String(length=64), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['review_conversations.id'], name=op.f('fk_review_ratings_conversation_id_review_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'rater', 'criterion_key', name=op.f('pk_review_ratings'))
    )


def downgrade() -> None:
    op.drop_table('review_ratings')
    op.drop_table('review_conversations')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('previous_stage')
    with op.batch_alter_table('brag_entries', schema=None) as batch_op:
        batch_op.drop_column('growth_signal')

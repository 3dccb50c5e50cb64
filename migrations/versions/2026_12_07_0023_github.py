"""Evidence found for you (issue 27): connected accounts (GitHub), OAuth states bound to a member, found items

``connected_accounts``: one per member and source; the token is Fernet ciphertext (TOKEN_ENCRYPTION_KEY).
``connect_states``: the OAuth ``state`` of a connect in progress, bound to the member who asked (10 minutes).
``found_items``: what a source showed the member did; unique per (member, source, item key), so an item is
offered once across runs and replicas. Existing rows: none (new tables); brag_entries.source gains the value
``found`` (a VARCHAR without a CHECK constraint: no change to the column).

Revision ID: 0023_github
Revises: 0022_surfaces
Create Date: 2026-12-07 02:39:03.851648+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0023_github'
down_revision: str | None = '0022_surfaces'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('connect_states',
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_connect_states_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_connect_states'))
    )
    with op.batch_alter_table('connect_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connect_states_member_id'), ['member_id'], unique=False)

    op.create_table('connected_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('token_ciphertext', sa.Text(), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wait_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_connected_accounts_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connected_accounts')),
    sa.UniqueConstraint('member_id', 'source', name='uq_connected_accounts_member_source')
    )
    op.create_table('found_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('item_key', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('authored', 'reviewed', 'closed', name='foundrole', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('repository', sa.String(length=200), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('acted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('suggested_evidence', sa.String(length=300), nullable=True),
    sa.Column('status', sa.Enum('new', 'offered', 'saved', 'skipped', name='foundstatus', native_enum=False, length=16), nullable=False),
    sa.Column('offered_in', sa.String(length=64), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['brag_entries.id'], name=op.f('fk_found_items_entry_id_brag_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_found_items_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_found_items')),
    sa.UniqueConstraint('member_id', 'source', 'item_key', name='uq_found_items_member_item')
    )
    with op.batch_alter_table('found_items', schema=None) as batch_op:
        batch_op.create_index('ix_found_items_member_status', ['member_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('found_items', schema=None) as batch_op:
        batch_op.drop_index('ix_found_items_member_status')

    op.drop_table('found_items')
    op.drop_table('connected_accounts')
    with op.batch_alter_table('connect_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connect_states_member_id'))

    op.drop_table('connect_states')

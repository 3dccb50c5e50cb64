"""members: when the member turned weekly prompts on themselves

``members.prompts_chosen_at``: weekly wins prompts go only to members who recorded a win, set a stage or
turned prompts on (issue #22: a manager enrolled by setting up a digest got prompts she never asked for).
Every existing row starts as NULL: existing members keep their prompts only through a stage or a win.

Revision ID: 0022_surfaces
Revises: 0018_evidence
Create Date: 2026-12-07 03:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022_surfaces'
down_revision: str | None = '0018_evidence'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): no batch copy of members on SQLite.
    op.add_column('members', sa.Column('prompts_chosen_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('members') as batch_op:
        batch_op.drop_column('prompts_chosen_at')

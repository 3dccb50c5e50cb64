"""ledger states: why a row is in its state as a column (nudge_deliveries.reason), not a prefix of last_error

Holds were found with ``last_error LIKE 'held:%'`` and the welcome back by a ``time off:`` prefix (issue 26).
``reason`` says it for code (away, paused, quiet, deferred, retry, uncertain, missed, time_off) and a partial
index finds the rows held for time off, which the nudge pass releases once their member is back. Existing
rows get their reason from their last_error; downgrading drops the column (last_error still has the text).

Revision ID: 0026_ledger_states
Revises: 0025_shared_rate
Create Date: 2026-12-07 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026_ledger_states'
down_revision: str | None = '0025_shared_rate'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = "reason IN ('away', 'paused')"
# (reason, status, last_error predicate), first match wins: the prefixes the code wrote before this revision.
FROM_LAST_ERROR = [
    ('paused', 'due', "last_error = 'held: paused'"),
    ('quiet', 'due', "last_error LIKE 'held: outside%'"),
    ('away', 'due', "last_error LIKE 'held:%'"),
    ('deferred', 'due', "last_error LIKE 'GitHub %'"),
    ('retry', 'due', 'last_error IS NOT NULL'),
    ('uncertain', 'sending', "last_error LIKE 'uncertain:%'"),
    ('missed', 'skipped', "last_error LIKE 'missed:%'"),
    ('time_off', 'skipped', "last_error LIKE 'time off:%'"),
]


def upgrade() -> None:
    op.add_column('nudge_deliveries', sa.Column('reason', sa.String(length=16), nullable=True))
    for reason, status, predicate in FROM_LAST_ERROR:
        op.execute(
            f"UPDATE nudge_deliveries SET reason = '{reason}' "
            f"WHERE reason IS NULL AND status = '{status}' AND {predicate}"
        )
    op.create_index(
        'ix_nudge_deliveries_held',
        'nudge_deliveries',
        ['member_id'],
        unique=False,
        postgresql_where=sa.text(HELD),
        sqlite_where=sa.text(HELD),
    )


def downgrade() -> None:
    op.drop_index(
        'ix_nudge_deliveries_held',
        table_name='nudge_deliveries',
        postgresql_where=sa.text(HELD),
        sqlite_where=sa.text(HELD),
    )
    with op.batch_alter_table('nudge_deliveries') as batch_op:
        batch_op.drop_column('reason')

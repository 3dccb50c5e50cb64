"""brag entries: whether the member chose their decided / proposed / learned signal; stuck sessions: win saved

``brag_entries.growth_signal_chosen``: only a signal the member picked counts (for their stage's decide /
propose / learn items, the monthly trend, and next-stage evidence); a guess from the text is a suggestion
(issue 21: a guessed "decided" moved "next-stage evidence in 1 of the last 6 months"). Every existing row
starts as not chosen: a signal picked with the buttons before this revision cannot be told from one
guessed from the text, so the member taps it again for it to count. Suggested evidence
(``suggested_evidence``) is left as it is: it never counted.

``stuck_sessions.win_saved_at``: the stuck flow no longer writes a win by itself; it offers "Save as a
win", and this makes that save happen at most once per session. Wins the old flow saved by itself (source
``stuck``, with confirmed evidence for ``s1-minimal-back-and-forth``) are kept, but that evidence goes:
the person never picked it. For a Stage 1 member it becomes a suggestion (their own stage's criterion);
for anyone else it is dropped (it was another stage's). Downgrade leaves them so.

Revision ID: 0018_evidence
Revises: 0017
Create Date: 2026-12-07 02:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018_evidence'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a batch rebuilds brag_entries (create, copy, DROP,
    # rename), and the DROP cascades into brag_evidence, deleting every confirmed piece of evidence.
    op.add_column('brag_entries', sa.Column('growth_signal_chosen', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('stuck_sessions', sa.Column('win_saved_at', sa.DateTime(timezone=True), nullable=True))
    # The stuck flow's self-written wins: their evidence goes; a Stage 1 member keeps it as a suggestion
    # (only for entries with none pending, so nothing the person has not seen is overwritten).
    stuck_evidence = sa.text(
        "SELECT b.id, m.stage FROM brag_evidence e JOIN brag_entries b ON b.id = e.entry_id "
        "JOIN members m ON m.id = b.member_id "
        "WHERE b.source = 'stuck' AND e.evidence_key = 's1-minimal-back-and-forth'"
    )
    bind = op.get_bind()
    for entry_id, stage in list(bind.execute(stuck_evidence)):
        if stage == 1:
            bind.execute(
                sa.text(
                    "UPDATE brag_entries SET suggested_evidence = 's1-minimal-back-and-forth' "
                    "WHERE id = :id AND suggested_evidence IS NULL"
                ),
                {"id": entry_id},
            )
        bind.execute(
            sa.text("DELETE FROM brag_evidence WHERE entry_id = :id AND evidence_key = 's1-minimal-back-and-forth'"),
            {"id": entry_id},
        )


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+, PostgreSQL), for the same reason as above.
    op.drop_column('stuck_sessions', 'win_saved_at')
    op.drop_column('brag_entries', 'growth_signal_chosen')

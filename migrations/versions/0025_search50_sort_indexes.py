"""The most supported and most commented orders walk indexes of visible contributions only

Revision ID: 0025_search50_sort_indexes
Revises: 0024_comments1m_counts
Create Date: 2026-12-03 11:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_search50_sort_indexes"
down_revision = "0024_comments1m_counts"
branch_labels = None
depends_on = None

# "Les plus soutenues" and "Les plus commentées" by numbered pages (0023, 0024): page 1,000 skips 19,980
# rows. The indexes held every row, so each skipped entry sent the database to the table to check that the
# row was not hidden (62–84 ms for page 1,000 at 1,000,000 contributions). Partial indexes of the visible
# rows (``hidden_at IS NULL``, the condition of every listing) answer the page's ids from the index alone:
# an index-only scan on PostgreSQL (2–3 ms for the ids of page 1,000, was 22 ms reading 20,000 rows, 73 ms with
# their themes joined); SQLite leaves out the condition the index settles and skips 19,980 entries without
# reading their rows (1 ms). Same names and columns. Not ``hidden_at`` as a last column, which would make them
# covering on SQLite: its planner, without statistics, then scanned one of them (1,000,000 entries, 60–170 ms)
# to find 30 contributions by id (``process_id = ? AND hidden_at IS NULL AND id IN (…)``, a search's results).
# Hiding or restoring a contribution removes it from them or adds it back.
SORT_INDEXES = {
    "ix_contributions_process_supports": ["process_id", "n_supports", "id"],
    "ix_contributions_process_theme_supports": ["process_id", "theme_id", "n_supports", "id"],
    "ix_contributions_process_comments": ["process_id", "n_comments", "id"],
    "ix_contributions_process_theme_comments": ["process_id", "theme_id", "n_comments", "id"],
}
VISIBLE = sa.text("hidden_at IS NULL")


def upgrade():
    for name, columns in SORT_INDEXES.items():
        op.drop_index(name, table_name="contributions")
        op.create_index(name, "contributions", columns, unique=False, sqlite_where=VISIBLE, postgresql_where=VISIBLE)


def downgrade():
    for name, columns in SORT_INDEXES.items():
        op.drop_index(name, table_name="contributions")
        op.create_index(name, "contributions", columns, unique=False)

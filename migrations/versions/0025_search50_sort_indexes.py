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
# an index-only scan on PostgreSQL, a covering index on SQLite (2 ms for the ids of page 1,000). Same names;
# ``hidden_at`` (always NULL there) is their last column because SQLite reads from the row any column the
# query's WHERE names, even one the index's condition settles. Hiding or restoring a contribution removes it
# from them or adds it back.
FORMER_COLUMNS = {
    "ix_contributions_process_supports": ["process_id", "n_supports", "id"],
    "ix_contributions_process_theme_supports": ["process_id", "theme_id", "n_supports", "id"],
    "ix_contributions_process_comments": ["process_id", "n_comments", "id"],
    "ix_contributions_process_theme_comments": ["process_id", "theme_id", "n_comments", "id"],
}
VISIBLE = sa.text("hidden_at IS NULL")


def upgrade():
    for name, columns in FORMER_COLUMNS.items():
        op.drop_index(name, table_name="contributions")
        op.create_index(
            name, "contributions", [*columns, "hidden_at"], unique=False, sqlite_where=VISIBLE, postgresql_where=VISIBLE
        )


def downgrade():
    for name, columns in FORMER_COLUMNS.items():
        op.drop_index(name, table_name="contributions")
        op.create_index(name, "contributions", columns, unique=False)

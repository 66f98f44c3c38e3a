"""PostgreSQL: the full-text vector kept in its row (storage MAIN), so a search matches it without a TOAST read

Revision ID: 0029_search50e_vector_inline
Revises: 0028_search50b_word_signature
Create Date: 2026-12-03 20:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_search50e_vector_inline"
down_revision = "0028_search50b_word_signature"
branch_labels = None
depends_on = None

# A search on PostgreSQL walks the word signatures (0028), then reads each candidate row by id to match its
# ``search_vector`` against the query: about 1,000 rows for « donnees publiques » at 1,000,000 contributions,
# and that reading was most of the statement (12 of its 15 ms, the walk itself 2.6). With the default storage
# (EXTENDED) a row over about 2 kB has its largest values moved out of line, and the vector (495 bytes on
# average, the largest column) is often one of them: about one row in five then costs a TOAST lookup (its
# index, then its table) on top of the row. MAIN keeps the vector in the row (compressed if needed; out of
# line only as a last resort), so the text columns, which a search does not read, go to the TOAST table first.
# Matching 1,032 candidate rows: 4.5 → 2.6 ms, 4,721 → 2,893 buffers (25,000 rows copied both ways).
# Rows keep the storage they were written with: ``VACUUM FULL`` writes every row again (and rebuilds the
# indexes) under the new rule; it holds the table's exclusive lock while it runs (67 s at 1,000,000 rows, load 5).


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite matches words in FTS5, not in the row
    op.execute("ALTER TABLE contributions ALTER COLUMN search_vector SET STORAGE MAIN")
    with op.get_context().autocommit_block():  # VACUUM cannot run in a transaction
        op.execute("VACUUM (FULL) contributions")
        # VACUUM FULL leaves the visibility map empty, so the signature walk's index-only scan would read the
        # table for every entry, and the planner then prefers a sequential scan (870 ms for « donnees
        # publiques » at 1,000,000 rows): a plain VACUUM sets the map again (1.5 s), and ANALYZE the statistics.
        op.execute("VACUUM (ANALYZE) contributions")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    # Rows already written stay as they are (both layouts read the same); new ones follow the default again.
    op.execute("ALTER TABLE contributions ALTER COLUMN search_vector SET STORAGE EXTENDED")

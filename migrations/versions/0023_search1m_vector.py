"""Searches at 1,000,000 contributions: PostgreSQL stores the full-text vector; SQLite's FTS5 table indexes
the process, theme and kind; indexes for the most supported first

Revision ID: 0023_search1m_vector
Revises: 0022_pages1m_counts
Create Date: 2026-12-03 07:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_search1m_vector"
down_revision = "0022_pages1m_counts"
branch_labels = None
depends_on = None

# PostgreSQL. Before: a GIN index on the expression to_tsvector('french', search_text). A search lists the
# matches newest first, so the planner walks the primary key backwards, computing to_tsvector for every row
# it passes (2.8 s at 1,000,000 contributions). A stored generated column is computed once per write, by the
# database, whatever wrote the row (ORM, Core bulk inserts, COPY, hand-written SQL), so it cannot go stale;
# the walk only reads it. Adding it rewrites the table (minutes at 1,000,000 rows).
POSTGRESQL_COLUMN = (
    "ALTER TABLE contributions ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('french'::regconfig, search_text)) STORED"
)
POSTGRESQL_INDEX = "CREATE INDEX ix_contributions_search_vector ON contributions USING gin (search_vector)"
POSTGRESQL_OLD_INDEX = (
    "CREATE INDEX ix_contributions_search_fts ON contributions USING gin (to_tsvector('french', search_text))"
)

# SQLite. The FTS5 table gets a second column, ``scope``: one token each for the process, the theme and the
# kind ("p3 t12 kweaksignal"), so a theme or kind filter is part of the MATCH and FTS5 intersects the lists
# itself, instead of the search joining every word match to its row to read its theme (107 ms for « impot »
# in one theme at 1,000,000, 1 match in 300 kept). Contentless (``content=''``): the scope is no column of
# ``contributions``, and a view as content would break the next batch migration of that table (SQLite
# refuses to rename a table while a view refers to a missing one). The triggers hand FTS5 the old values
# to delete, as before. A later batch migration that recreates ``contributions`` drops these triggers and
# must create them again (tests/participation/test_semantic.py checks).
SCOPE = "'p' || {row}.process_id || ' t' || {row}.theme_id || ' k' || replace({row}.kind, '_', '')"
# Prefix indexes for 4 to 8 characters: every searched word is a prefix (« donne »* for « données »), and
# without them FTS5 merges the lists of every word starting so before it can return one row (174,152 rows
# for « donne »*: 16–25 ms; with them 0.4 ms). Longer prefixes are rarer and still merged. They make the
# full-text index about 3 times larger.
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE contributions_fts USING fts5(search_text, scope, content='', prefix='4 5 6 7 8', "
    "tokenize='unicode61 remove_diacritics 2')"
)
SQLITE_INSERT = "INSERT INTO contributions_fts(rowid, search_text, scope) VALUES (new.id, new.search_text, {new});"
SQLITE_DELETE = (
    "INSERT INTO contributions_fts(contributions_fts, rowid, search_text, scope) "
    "VALUES ('delete', old.id, old.search_text, {old});"
)
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER contributions_fts_insert AFTER INSERT ON contributions BEGIN
         {SQLITE_INSERT.format(new=SCOPE.format(row="new"))}
       END""",
    f"""CREATE TRIGGER contributions_fts_delete AFTER DELETE ON contributions BEGIN
         {SQLITE_DELETE.format(old=SCOPE.format(row="old"))}
       END""",
    f"""CREATE TRIGGER contributions_fts_update AFTER UPDATE OF search_text, process_id, theme_id, kind
         ON contributions
         WHEN old.search_text IS NOT new.search_text OR old.process_id IS NOT new.process_id
           OR old.theme_id IS NOT new.theme_id OR old.kind IS NOT new.kind
       BEGIN
         {SQLITE_DELETE.format(old=SCOPE.format(row="old"))}
         {SQLITE_INSERT.format(new=SCOPE.format(row="new"))}
       END""",
)
SQLITE_BACKFILL = (
    "INSERT INTO contributions_fts(rowid, search_text, scope) "
    f"SELECT id, search_text, {SCOPE.format(row='contributions')} FROM contributions"
)

# The table and triggers of 0015, for the downgrade.
SQLITE_OLD_TABLE = (
    "CREATE VIRTUAL TABLE contributions_fts USING fts5(search_text, content='contributions', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)
SQLITE_OLD_TRIGGERS = (
    """CREATE TRIGGER contributions_fts_insert AFTER INSERT ON contributions BEGIN
         INSERT INTO contributions_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER contributions_fts_delete AFTER DELETE ON contributions BEGIN
         INSERT INTO contributions_fts(contributions_fts, rowid, search_text)
           VALUES ('delete', old.id, old.search_text);
       END""",
    """CREATE TRIGGER contributions_fts_update AFTER UPDATE OF search_text ON contributions BEGIN
         INSERT INTO contributions_fts(contributions_fts, rowid, search_text)
           VALUES ('delete', old.id, old.search_text);
         INSERT INTO contributions_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
)


def _drop_sqlite_fts():
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER contributions_fts_{trigger}")
    op.execute("DROP TABLE contributions_fts")


# "Les plus soutenues" (numbered pages, most supported first): without an index every page sorted the
# process's visible contributions (5.6 s for the first page at 1,000,000 on SQLite, 14 s for page 1,000).
SUPPORT_INDEXES = {
    "ix_contributions_process_supports": ["process_id", "n_supports", "id"],
    "ix_contributions_process_theme_supports": ["process_id", "theme_id", "n_supports", "id"],
}


def upgrade():
    for name, columns in SUPPORT_INDEXES.items():
        op.create_index(name, "contributions", columns, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_fts()
        op.execute(SQLITE_TABLE)
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute(SQLITE_BACKFILL)
    else:
        op.execute("DROP INDEX ix_contributions_search_fts")
        op.execute(POSTGRESQL_COLUMN)
        op.execute(POSTGRESQL_INDEX)
        # The new column has no statistics, and adding it counts as no change for autovacuum: without them
        # the planner estimates 400 matches for any word and reads them all through the GIN index (1 s for
        # « donnees publiques » at 1,000,000) instead of walking the newest rows.
        op.execute("ANALYZE contributions")


def downgrade():
    for name in SUPPORT_INDEXES:
        op.drop_index(name, table_name="contributions")
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_fts()
        op.execute(SQLITE_OLD_TABLE)
        for statement in SQLITE_OLD_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO contributions_fts(contributions_fts) VALUES ('rebuild')")
    else:
        op.execute("DROP INDEX ix_contributions_search_vector")
        op.execute("ALTER TABLE contributions DROP COLUMN search_vector")
        op.execute(POSTGRESQL_OLD_INDEX)

"""PostgreSQL: a signature of each contribution's words, read from indexes, so a search checks far fewer rows

Revision ID: 0028_search50b_word_signature
Revises: 0027_noticed10_one_active_pdf
Create Date: 2026-12-03 14:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_search50b_word_signature"
down_revision = "0027_noticed10_one_active_pdf"
branch_labels = None
depends_on = None

# A search returns the newest 1,001 rows matching every word (0023). For « donnees publiques » at 1,000,000
# contributions PostgreSQL walked the primary key backwards and read 21,217 rows, each one fetched from the
# table and its ``search_vector`` matched, to keep 1,001 (20–25 ms quiet, 40–60 ms on a busy host). The GIN
# index does not help: it holds no order, and the 47,639 matches of ``don:* & publiqu:*`` take 110 ms to
# list from it before any row is read.
#
# ``search_signature``: 1,024 bits per row, a Bloom filter of the prefixes of its words. Each lexeme of
# ``to_tsvector('french', search_text)`` (the ``search_vector``) gives its prefixes of 3, 5 and 7 letters,
# and each prefix sets 3 bits taken from its MD5 (``contrib_word_mask``: the same bits for the same prefix,
# whatever the PostgreSQL version or host). A searched word ``w:*`` can match a row only if all 3 bits of
# ``w``'s longest prefix among 3, 5 and 7 letters are set: a necessary condition, never a sufficient one, so
# the search still checks ``search_vector @@ query`` on each remaining row and its results do not change.
# About 150 of the 1,024 bits are set for a row of 33 words: a word the row does not have passes about
# once in 300. Stored (generated, like the vector: computed by the database on every write, whatever
# wrote the row), and included in two partial indexes of the visible rows, by process and by process and
# theme, in id order: the search walks the index backwards (an index-only scan: no table row read) and
# fetches only the rows whose signature passes (2,027 instead of 21,217 for « donnees publiques »).
# Adding the column rewrites the table (minutes at 1,000,000 rows: about 0.2 ms of CPU per row).
SIGNATURE_BITS = 1024
PREFIX_LENGTHS = (3, 5, 7)
LENGTHS = "(VALUES " + ", ".join(f"({n})" for n in PREFIX_LENGTHS) + ") AS lengths(n)"
# One MD5 per prefix, 3 bits from its first 9 hexadecimal digits (3 digits each, 10 bits kept). Written out
# for the stored column (a function per prefix made the rewrite 3 times slower); ``contrib_word_mask`` is the
# same computation for one searched prefix (tests/participation/test_word_signature.py checks they agree).
SIGNATURE_FUNCTION = f"""
CREATE FUNCTION contrib_word_signature(search_text text) RETURNS bit({SIGNATURE_BITS})
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    bit_or(B'1'::bit({SIGNATURE_BITS}) >> (('x' || substr(h, k, 3))::bit(12)::int % {SIGNATURE_BITS})),
    repeat('0', {SIGNATURE_BITS})::bit({SIGNATURE_BITS}))
  FROM (SELECT DISTINCT md5(left(lexeme, n)) AS h
        FROM unnest(tsvector_to_array(to_tsvector('french'::regconfig, search_text))) AS lexeme,
             {LENGTHS}
        WHERE length(lexeme) >= n) AS prefixes,
       (VALUES (1), (4), (7)) AS digits(k)
$$
"""
# The bits a searched prefix needs, as a mask: the prefix is normalised as ``to_tsquery`` does (« donne » is
# searched as 'don':*), then cut to its longest length among PREFIX_LENGTHS. Nothing is required (all
# zeros) when that gives no single lexeme of 3 letters or more (a stop word, a word the parser splits).
# PARALLEL UNSAFE on purpose: a search names it, so its plan has no parallel workers. The walk of the signatures
# is a subquery planned for all its rows, and the planner split it over 3 processes with a Gather Merge (72 ms
# before the first row, 158 ms in all for « donnees publiques », against 12 ms walked by one process).
MASK_FUNCTION = f"""
CREATE FUNCTION contrib_word_mask(prefix text) RETURNS bit({SIGNATURE_BITS})
LANGUAGE sql IMMUTABLE PARALLEL UNSAFE AS $$
  SELECT coalesce(
    bit_or(B'1'::bit({SIGNATURE_BITS})
           >> (('x' || substr(md5(left(lexeme, n)), k, 3))::bit(12)::int % {SIGNATURE_BITS})),
    repeat('0', {SIGNATURE_BITS})::bit({SIGNATURE_BITS}))
  FROM (SELECT substring(to_tsquery('french'::regconfig, '''' || prefix || ''':*')::text
                         FROM '^''([^'']+)'':\\*$') AS lexeme) AS normalised,
       LATERAL (SELECT max(n) AS n FROM {LENGTHS}
                WHERE n <= length(lexeme)) AS longest,
       (VALUES (1), (4), (7)) AS digits(k)
  WHERE n IS NOT NULL
$$
"""
COLUMN = (
    f"ALTER TABLE contributions ADD COLUMN search_signature bit({SIGNATURE_BITS}) "
    "GENERATED ALWAYS AS (contrib_word_signature(search_text)) STORED"
)
INDEXES = {
    "ix_contributions_process_signature": "process_id, id",
    "ix_contributions_process_theme_signature": "process_id, theme_id, id",
}


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return  # FTS5 already reads the scope and the words from its own index (0023)
    op.execute(SIGNATURE_FUNCTION)
    op.execute(MASK_FUNCTION)
    op.execute(COLUMN)
    for name, columns in INDEXES.items():
        op.execute(
            f"CREATE INDEX {name} ON contributions ({columns}) INCLUDE (search_signature) WHERE hidden_at IS NULL"
        )
    # Statistics for the new column; an index-only scan also needs the visibility map, which autovacuum keeps
    # (VACUUM cannot run in the migration's transaction).
    op.execute("ANALYZE contributions")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("ALTER TABLE contributions DROP COLUMN search_signature")
    op.execute("DROP FUNCTION contrib_word_mask(text)")
    op.execute("DROP FUNCTION contrib_word_signature(text)")

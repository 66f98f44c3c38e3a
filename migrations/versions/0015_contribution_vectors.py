"""Contributions: stored meaning vector (float16 bytes) and the model that produced it; full-text search

Revision ID: 0015_contribution_vectors
Revises: 0014_account_trust
Create Date: 2026-12-02 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_contribution_vectors'
down_revision = '0014_account_trust'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get no vector: they are "to compute" (``flask embed-contributions`` or the queue).
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embedding', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('embedding_model', sa.String(length=40), nullable=True))
    # Full-text search of the folded text (contrib.participation.search), outside the models.
    if op.get_bind().dialect.name == 'sqlite':
        # External-content FTS5 table kept in sync by triggers. A later batch migration that recreates
        # ``contributions`` drops these triggers: it must create them again (tests/test_semantic.py checks).
        op.execute("CREATE VIRTUAL TABLE contributions_fts USING fts5(search_text, content='contributions', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO contributions_fts(contributions_fts) VALUES ('rebuild')")
    else:
        op.execute("CREATE INDEX ix_contributions_search_fts ON contributions "
                   "USING gin (to_tsvector('french', search_text))")


SQLITE_TRIGGERS = (
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


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER contributions_fts_{trigger}")
        op.execute("DROP TABLE contributions_fts")
    else:
        op.drop_index('ix_contributions_search_fts', table_name='contributions')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_column('embedding_model')
        batch_op.drop_column('embedding')

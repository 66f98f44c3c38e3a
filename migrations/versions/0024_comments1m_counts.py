"""Counted comments stored per contribution, kept by triggers; indexes for the most commented first

Revision ID: 0024_comments1m_counts
Revises: 0023_search1m_vector
Create Date: 2026-12-03 09:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_comments1m_counts"
down_revision = "0023_search1m_vector"
branch_labels = None
depends_on = None

# "Les plus commentées": every page grouped every visible comment of the process by contribution and joined
# the groups to the contributions to sort them (7.8 s on SQLite, 2.0 s on PostgreSQL at 1,000,000 contributions,
# even with no comments). ``contributions.n_comments`` holds what that grouping computed: the comments not
# hidden whose author counts (no account, or an account that confirmed its e-mail address: ``counted()``).
#
# Triggers rather than application code, as for contribution_counts (0022): every write path (posting,
# hiding, restoring and their undo, report moderation, a confirmed e-mail address, an account deleted and its
# comments' author set to NULL, SQL by hand) moves the count in its own transaction. A new comment adds itself
# when it counts. Any other change (an update of a comment's contribution, author or hiding, a deletion, an
# account's confirmation changing) recounts the contributions concerned from their comments, so the column
# is by construction what the grouping would say, whatever the order the database runs cascades in. A
# recount reads one contribution's comments (ix_comments_contribution_thread) and writes the row only when
# the number changed.
RECOUNT = """(SELECT count(*) FROM comments AS m
     WHERE m.contribution_id = {contribution} AND m.hidden_at IS NULL
       AND (m.author_id IS NULL OR EXISTS (SELECT 1 FROM users AS u
                                           WHERE u.id = m.author_id AND u.email_confirmed_at IS NOT NULL)))"""
COUNTS = """({row}.hidden_at IS NULL AND ({row}.author_id IS NULL OR EXISTS (SELECT 1 FROM users AS u
             WHERE u.id = {row}.author_id AND u.email_confirmed_at IS NOT NULL)))"""


def _sqlite_recount(contribution: str) -> str:
    recount = RECOUNT.format(contribution=contribution)
    return f"UPDATE contributions SET n_comments = {recount} WHERE id = {contribution} AND n_comments <> {recount};"


# SQLite: row-level triggers. A later SQLite batch migration that recreates ``contributions`` keeps these
# (they are on ``comments`` and ``users``), but one that recreates ``comments`` or ``users`` drops them and must
# create them again.
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER comment_counts_insert AFTER INSERT ON comments WHEN {COUNTS.format(row="new")} BEGIN
         UPDATE contributions SET n_comments = n_comments + 1 WHERE id = new.contribution_id;
       END""",
    f"""CREATE TRIGGER comment_counts_delete AFTER DELETE ON comments BEGIN
         {_sqlite_recount("old.contribution_id")}
       END""",
    f"""CREATE TRIGGER comment_counts_update AFTER UPDATE OF contribution_id, author_id, hidden_at ON comments
         WHEN old.contribution_id IS NOT new.contribution_id OR old.author_id IS NOT new.author_id
           OR (old.hidden_at IS NULL) IS NOT (new.hidden_at IS NULL)
       BEGIN
         {_sqlite_recount("old.contribution_id")}
         {_sqlite_recount("new.contribution_id")}
       END""",
    f"""CREATE TRIGGER comment_counts_user_update AFTER UPDATE OF email_confirmed_at ON users
         WHEN (old.email_confirmed_at IS NULL) IS NOT (new.email_confirmed_at IS NULL)
       BEGIN
         UPDATE contributions SET n_comments = {RECOUNT.format(contribution="contributions.id")}
           WHERE id IN (SELECT contribution_id FROM comments WHERE author_id = new.id);
       END""",
    # With foreign keys on, the comments' author is set to NULL first (comment_counts_update); without
    # them it stays, pointing at no account, and stops counting.
    f"""CREATE TRIGGER comment_counts_user_delete AFTER DELETE ON users BEGIN
         UPDATE contributions SET n_comments = {RECOUNT.format(contribution="contributions.id")}
           WHERE id IN (SELECT contribution_id FROM comments WHERE author_id = old.id);
       END""",
)

# PostgreSQL: statement-level triggers over transition tables (one statement per write, as in 0022).
POSTGRESQL_RECOUNT = f"""
    UPDATE contributions AS c SET n_comments = r.n
      FROM (SELECT t.id, {RECOUNT.format(contribution="t.id")} AS n
            FROM ({{ids}}) AS t (id)) AS r
      WHERE c.id = r.id AND c.n_comments <> r.n;
"""
POSTGRESQL_COMMENTS_FUNCTION = f"""
CREATE FUNCTION comment_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE contributions AS c SET n_comments = c.n_comments + added.n
      FROM (SELECT a.contribution_id, count(*) AS n FROM new_rows AS a
            WHERE {COUNTS.format(row="a")} GROUP BY a.contribution_id) AS added
      WHERE c.id = added.contribution_id;
  ELSIF TG_OP = 'DELETE' THEN
    {POSTGRESQL_RECOUNT.format(ids="SELECT DISTINCT contribution_id FROM old_rows")}
  ELSE
    {
    POSTGRESQL_RECOUNT.format(
        ids='''SELECT o.contribution_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
                 WHERE (o.contribution_id, o.author_id, o.hidden_at IS NULL)
                       IS DISTINCT FROM (n.contribution_id, n.author_id, n.hidden_at IS NULL)
               UNION
               SELECT n.contribution_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
                 WHERE (o.contribution_id, o.author_id, o.hidden_at IS NULL)
                       IS DISTINCT FROM (n.contribution_id, n.author_id, n.hidden_at IS NULL)'''
    )
}
  END IF;
  RETURN NULL;
END
$$
"""
# An account's confirmation changing recounts the contributions it commented. A deleted account needs no
# trigger: its comments' author is set to NULL by the foreign key, an update of ``comments``.
POSTGRESQL_USERS_FUNCTION = f"""
CREATE FUNCTION comment_counts_user_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {
    POSTGRESQL_RECOUNT.format(
        ids='''SELECT DISTINCT m.contribution_id FROM comments AS m
               JOIN old_rows AS o ON o.id = m.author_id JOIN new_rows AS n ON n.id = o.id
               WHERE (o.email_confirmed_at IS NULL) IS DISTINCT FROM (n.email_confirmed_at IS NULL)'''
    )
}
  RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGERS = (
    """CREATE TRIGGER comment_counts_insert AFTER INSERT ON comments
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comment_counts_apply()""",
    """CREATE TRIGGER comment_counts_update AFTER UPDATE ON comments
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION comment_counts_apply()""",
    """CREATE TRIGGER comment_counts_delete AFTER DELETE ON comments
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comment_counts_apply()""",
    """CREATE TRIGGER comment_counts_user_update AFTER UPDATE ON users
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION comment_counts_user_apply()""",
)

# The counts of the comments already there: only contributions with comments are written.
BACKFILL = (
    f"UPDATE contributions SET n_comments = {RECOUNT.format(contribution='contributions.id')} "
    "WHERE id IN (SELECT contribution_id FROM comments)"
)

# "Les plus commentées", by numbered pages, as the supports ones of 0023.
COMMENT_INDEXES = {
    "ix_contributions_process_comments": ["process_id", "n_comments", "id"],
    "ix_contributions_process_theme_comments": ["process_id", "theme_id", "n_comments", "id"],
}


def upgrade():
    op.add_column("contributions", sa.Column("n_comments", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(POSTGRESQL_COMMENTS_FUNCTION)
        op.execute(POSTGRESQL_USERS_FUNCTION)
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
    op.execute(BACKFILL)
    for name, columns in COMMENT_INDEXES.items():
        op.create_index(name, "contributions", columns, unique=False)


def downgrade():
    for name in COMMENT_INDEXES:
        op.drop_index(name, table_name="contributions")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update", "user_update", "user_delete"):
            op.execute(f"DROP TRIGGER comment_counts_{trigger}")
    else:
        for trigger, table in (("insert", "comments"), ("update", "comments"), ("delete", "comments")):
            op.execute(f"DROP TRIGGER comment_counts_{trigger} ON {table}")
        op.execute("DROP TRIGGER comment_counts_user_update ON users")
        op.execute("DROP FUNCTION comment_counts_apply()")
        op.execute("DROP FUNCTION comment_counts_user_apply()")
    # Not a batch migration on SQLite: recreating ``contributions`` would drop the triggers of 0022 and 0023.
    op.execute("ALTER TABLE contributions DROP COLUMN n_comments")

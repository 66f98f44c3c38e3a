"""Contribution counts per process, theme and kind, kept by triggers (pages at 1,000,000 contributions)

Revision ID: 0022_pages1m_counts
Revises: 0021_scale_audit_address
Create Date: 2026-12-02 15:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022_pages1m_counts"
down_revision = "0021_scale_audit_address"
branch_labels = None
depends_on = None

KINDS = ("diagnostic", "idea", "proposal", "weak_signal", "track")

# Triggers rather than application code: every write path (ORM flushes, Core bulk inserts and updates of
# imports and their undo, bulk loads, hand-written SQL) moves the counts in its own transaction. A row
# leaving a (process, theme, kind, visible) key is taken off before it is added to its new key, so an
# update that changes nothing that is counted nets to zero. Deleting only decrements rows that exist.
# A later SQLite batch migration that recreates ``contributions`` drops these triggers and must create
# them again (as for the full-text ones of 0015).
SQLITE_TRIGGERS = (
    """CREATE TRIGGER contribution_counts_insert AFTER INSERT ON contributions BEGIN
         INSERT INTO contribution_counts (process_id, theme_id, kind, n_total, n_visible)
           VALUES (new.process_id, new.theme_id, new.kind, 1, new.hidden_at IS NULL)
           ON CONFLICT (process_id, theme_id, kind) DO UPDATE
           SET n_total = n_total + 1, n_visible = n_visible + excluded.n_visible;
       END""",
    """CREATE TRIGGER contribution_counts_delete AFTER DELETE ON contributions BEGIN
         UPDATE contribution_counts SET n_total = n_total - 1, n_visible = n_visible - (old.hidden_at IS NULL)
           WHERE process_id = old.process_id AND theme_id = old.theme_id AND kind = old.kind;
       END""",
    """CREATE TRIGGER contribution_counts_update AFTER UPDATE OF process_id, theme_id, kind, hidden_at
         ON contributions
         WHEN old.process_id IS NOT new.process_id OR old.theme_id IS NOT new.theme_id
           OR old.kind IS NOT new.kind OR (old.hidden_at IS NULL) IS NOT (new.hidden_at IS NULL)
       BEGIN
         UPDATE contribution_counts SET n_total = n_total - 1, n_visible = n_visible - (old.hidden_at IS NULL)
           WHERE process_id = old.process_id AND theme_id = old.theme_id AND kind = old.kind;
         INSERT INTO contribution_counts (process_id, theme_id, kind, n_total, n_visible)
           VALUES (new.process_id, new.theme_id, new.kind, 1, new.hidden_at IS NULL)
           ON CONFLICT (process_id, theme_id, kind) DO UPDATE
           SET n_total = n_total + 1, n_visible = n_visible + excluded.n_visible;
       END""",
)

# An edit moving a row between keys takes the two counter rows in key order, so two edits moving rows in
# opposite directions at once wait for each other instead of deadlocking. Multi-row writers (imports, their
# undo, bulk loads) lock the process row first, as a post does.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION contribution_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  new_first boolean := TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
    AND (NEW.process_id, NEW.theme_id, NEW.kind) < (OLD.process_id, OLD.theme_id, OLD.kind));
BEGIN
  IF new_first THEN
    PERFORM contribution_counts_add(NEW.process_id, NEW.theme_id, NEW.kind, NEW.hidden_at IS NULL);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE contribution_counts
      SET n_total = n_total - 1, n_visible = n_visible - (CASE WHEN OLD.hidden_at IS NULL THEN 1 ELSE 0 END)
      WHERE process_id = OLD.process_id AND theme_id = OLD.theme_id AND kind = OLD.kind;
  END IF;
  IF TG_OP = 'UPDATE' AND NOT new_first THEN
    PERFORM contribution_counts_add(NEW.process_id, NEW.theme_id, NEW.kind, NEW.hidden_at IS NULL);
  END IF;
  RETURN NULL;
END
$$
"""

POSTGRESQL_ADD = """
CREATE FUNCTION contribution_counts_add(process integer, theme integer, kind_value varchar, visible boolean)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO contribution_counts AS counts (process_id, theme_id, kind, n_total, n_visible)
    VALUES (process, theme, kind_value, 1, CASE WHEN visible THEN 1 ELSE 0 END)
    ON CONFLICT (process_id, theme_id, kind) DO UPDATE
    SET n_total = counts.n_total + 1, n_visible = counts.n_visible + EXCLUDED.n_visible
$$
"""

POSTGRESQL_TRIGGERS = (
    """CREATE TRIGGER contribution_counts_insert_delete AFTER INSERT OR DELETE ON contributions
         FOR EACH ROW EXECUTE FUNCTION contribution_counts_apply()""",
    """CREATE TRIGGER contribution_counts_update AFTER UPDATE OF process_id, theme_id, kind, hidden_at
         ON contributions FOR EACH ROW
         WHEN (OLD.process_id IS DISTINCT FROM NEW.process_id OR OLD.theme_id IS DISTINCT FROM NEW.theme_id
               OR OLD.kind IS DISTINCT FROM NEW.kind
               OR (OLD.hidden_at IS NULL) IS DISTINCT FROM (NEW.hidden_at IS NULL))
         EXECUTE FUNCTION contribution_counts_apply()""",
)

# The counts of the rows already there, in one pass.
BACKFILL = """
INSERT INTO contribution_counts (process_id, theme_id, kind, n_total, n_visible)
SELECT process_id, theme_id, kind, count(*), sum(CASE WHEN hidden_at IS NULL THEN 1 ELSE 0 END)
FROM contributions GROUP BY process_id, theme_id, kind
"""


def upgrade():
    op.create_table(
        "contribution_counts",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="contributionkind", native_enum=False, length=24), nullable=False),
        sa.Column("n_total", sa.BigInteger(), nullable=False),
        sa.Column("n_visible", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_contribution_counts_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_contribution_counts_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("process_id", "theme_id", "kind", name=op.f("pk_contribution_counts")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(POSTGRESQL_ADD)
        op.execute(POSTGRESQL_FUNCTION)
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER contribution_counts_{trigger}")
    else:
        op.execute("DROP TRIGGER contribution_counts_insert_delete ON contributions")
        op.execute("DROP TRIGGER contribution_counts_update ON contributions")
        op.execute("DROP FUNCTION contribution_counts_apply()")
        op.execute("DROP FUNCTION contribution_counts_add(integer, integer, varchar, boolean)")
    op.drop_table("contribution_counts")

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
# SQLite: row-level triggers (it updates a row in place). A later SQLite batch migration that recreates
# ``contributions`` drops these triggers and must create
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

# PostgreSQL: statement-level triggers over transition tables, one grouped upsert per statement. Row-level
# ones updated the same few counter rows once per contribution, and inside one transaction every update
# leaves a row version the next one must step over: a COPY of 1,000,000 rows ran for over 10 minutes
# (quadratic), where a statement adds each (process, theme, kind) once. Keys are written in order, so two
# statements moving rows between the same keys wait for each other instead of deadlocking; multi-row
# writers (imports, their undo, bulk loads) lock the process row first, as a post does.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION contribution_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO contribution_counts AS counts (process_id, theme_id, kind, n_total, n_visible)
      SELECT process_id, theme_id, kind, count(*), count(*) FILTER (WHERE hidden_at IS NULL)
      FROM new_rows GROUP BY process_id, theme_id, kind ORDER BY process_id, theme_id, kind
      ON CONFLICT (process_id, theme_id, kind) DO UPDATE
      SET n_total = counts.n_total + EXCLUDED.n_total, n_visible = counts.n_visible + EXCLUDED.n_visible;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE contribution_counts AS counts
      SET n_total = counts.n_total - gone.n, n_visible = counts.n_visible - gone.visible
      FROM (SELECT process_id, theme_id, kind, count(*) AS n, count(*) FILTER (WHERE hidden_at IS NULL) AS visible
            FROM old_rows GROUP BY process_id, theme_id, kind ORDER BY process_id, theme_id, kind) AS gone
      WHERE counts.process_id = gone.process_id AND counts.theme_id = gone.theme_id AND counts.kind = gone.kind;
  ELSE
    INSERT INTO contribution_counts AS counts (process_id, theme_id, kind, n_total, n_visible)
      SELECT process_id, theme_id, kind, sum(d_total), sum(d_visible)
      FROM (
        SELECT o.process_id, o.theme_id, o.kind, -1 AS d_total,
               -(CASE WHEN o.hidden_at IS NULL THEN 1 ELSE 0 END) AS d_visible
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.process_id, o.theme_id, o.kind, o.hidden_at IS NULL)
              IS DISTINCT FROM (n.process_id, n.theme_id, n.kind, n.hidden_at IS NULL)
        UNION ALL
        SELECT n.process_id, n.theme_id, n.kind, 1, CASE WHEN n.hidden_at IS NULL THEN 1 ELSE 0 END
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.process_id, o.theme_id, o.kind, o.hidden_at IS NULL)
              IS DISTINCT FROM (n.process_id, n.theme_id, n.kind, n.hidden_at IS NULL)
      ) AS deltas
      GROUP BY process_id, theme_id, kind
      HAVING sum(d_total) <> 0 OR sum(d_visible) <> 0
      ORDER BY process_id, theme_id, kind
      ON CONFLICT (process_id, theme_id, kind) DO UPDATE
      SET n_total = counts.n_total + EXCLUDED.n_total, n_visible = counts.n_visible + EXCLUDED.n_visible;
  END IF;
  RETURN NULL;
END
$$
"""

POSTGRESQL_TRIGGERS = (
    """CREATE TRIGGER contribution_counts_insert AFTER INSERT ON contributions
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contribution_counts_apply()""",
    """CREATE TRIGGER contribution_counts_update AFTER UPDATE ON contributions
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION contribution_counts_apply()""",
    """CREATE TRIGGER contribution_counts_delete AFTER DELETE ON contributions
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contribution_counts_apply()""",
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
        op.execute(POSTGRESQL_FUNCTION)
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER contribution_counts_{trigger}")
    else:
        for trigger in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER contribution_counts_{trigger} ON contributions")
        op.execute("DROP FUNCTION contribution_counts_apply()")
    op.drop_table("contribution_counts")

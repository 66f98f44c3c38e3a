"""Plaidoyer PDFs made by the task queue: status, progress and the finished file on one row

Revision ID: 0026_pdfqueue_plaidoyer_pdfs
Revises: 0025_search50_sort_indexes
Create Date: 2026-12-03 12:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_pdfqueue_plaidoyer_pdfs"
down_revision = "0025_search50_sort_indexes"
branch_labels = None
depends_on = None

# A large plaidoyer's PDF took ~30 s of CPU in the request (gunicorn's timeout). The worker now makes it and
# stores the bytes here: the database is the one storage every web host shares (the instance folder is per
# host), so the page waiting for the file may be served by any host.


def upgrade():
    op.create_table(
        "plaidoyer_pdfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plaidoyer_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="runstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("progress_message", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("n_bytes", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plaidoyer_id"],
            ["plaidoyers.id"],
            name=op.f("fk_plaidoyer_pdfs_plaidoyer_id_plaidoyers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plaidoyer_versions.id"],
            name=op.f("fk_plaidoyer_pdfs_version_id_plaidoyer_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_plaidoyer_pdfs_requested_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plaidoyer_pdfs")),
    )
    op.create_index(
        "ix_plaidoyer_pdfs_plaidoyer_version", "plaidoyer_pdfs", ["plaidoyer_id", "version_id", "status"], unique=False
    )


def downgrade():
    op.drop_index("ix_plaidoyer_pdfs_plaidoyer_version", table_name="plaidoyer_pdfs")
    op.drop_table("plaidoyer_pdfs")

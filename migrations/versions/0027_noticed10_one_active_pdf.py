"""At most one plaidoyer PDF waiting or being made per document and per version (partial unique indexes)

Revision ID: 0027_noticed10_one_active_pdf
Revises: 0026_pdfqueue_plaidoyer_pdfs
Create Date: 2026-12-03 14:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_noticed10_one_active_pdf"
down_revision = "0026_pdfqueue_plaidoyer_pdfs"
branch_labels = None
depends_on = None

# Two first requests for the current document's PDF at the same instant each found no job and each queued a
# layout. The database now lets one waiting/running row per document (version_id NULL) and per version through;
# the second request joins it. A unique index counts NULLs as all different, hence two partial indexes.
ACTIVE = "status IN ('queued', 'running')"
DOCUMENT = f"version_id IS NULL AND {ACTIVE}"
VERSION = f"version_id IS NOT NULL AND {ACTIVE}"
DUPLICATE = (
    "Une autre préparation du même PDF était déjà en cours : celle-ci a été abandonnée. Demandez à nouveau le PDF."
)


def upgrade():
    # Rows the race already doubled: keep the oldest active row of each document and version, fail the others.
    op.execute(
        sa.text(
            "UPDATE plaidoyer_pdfs SET status = 'failed', progress_message = :message"
            f" WHERE {ACTIVE} AND id NOT IN (SELECT min(id) FROM plaidoyer_pdfs WHERE {ACTIVE}"
            " GROUP BY plaidoyer_id, version_id)"
        ).bindparams(message=DUPLICATE)
    )
    op.create_index(
        "uq_plaidoyer_pdfs_active_document",
        "plaidoyer_pdfs",
        ["plaidoyer_id"],
        unique=True,
        sqlite_where=sa.text(DOCUMENT),
        postgresql_where=sa.text(DOCUMENT),
    )
    op.create_index(
        "uq_plaidoyer_pdfs_active_version",
        "plaidoyer_pdfs",
        ["version_id"],
        unique=True,
        sqlite_where=sa.text(VERSION),
        postgresql_where=sa.text(VERSION),
    )


def downgrade():
    op.drop_index("uq_plaidoyer_pdfs_active_version", table_name="plaidoyer_pdfs")
    op.drop_index("uq_plaidoyer_pdfs_active_document", table_name="plaidoyer_pdfs")

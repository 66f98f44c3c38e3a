"""Contributions: stored meaning vector (float16 bytes) and the model that produced it

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


def downgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_column('embedding_model')
        batch_op.drop_column('embedding')

"""Data generation: one counter of committed writes, read by the anonymous page cache of every host

Revision ID: 0018_scale_infra_data_generation
Revises: 0017_notification_endpoints
Create Date: 2026-12-02 07:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_scale_infra_data_generation'
down_revision = '0017_notification_endpoints'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('data_generation')

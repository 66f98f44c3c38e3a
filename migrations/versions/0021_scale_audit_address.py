"""Audit entries record the acting client's address

Revision ID: 0021_scale_audit_address
Revises: 0020_ux_participants_history
Create Date: 2026-12-02 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_scale_audit_address'
down_revision = '0020_ux_participants_history'
branch_labels = None
depends_on = None


def upgrade():
    # Earlier entries keep None: their address was never known.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_address', sa.String(length=45), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('client_address')

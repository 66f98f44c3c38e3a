"""Import batches and imported rows: workshop sheets from preview to confirmation and undo

Revision ID: 0002_imports
Revises: 12e820b17eec
Create Date: 2026-11-23 16:48:16.057160

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_imports'
down_revision = '12e820b17eec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('draft', 'confirmed', 'cancelled', 'undone', name='importstatus', native_enum=False, length=24), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('n_bytes', sa.Integer(), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('detected', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('theme_choices', sa.JSON(), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=True),
    sa.Column('n_rows', sa.Integer(), nullable=False),
    sa.Column('n_imported', sa.Integer(), nullable=False),
    sa.Column('n_skipped', sa.Integer(), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_import_batches_process_id_processes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_import_batches_undone_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index('ix_import_batches_process_recent', ['process_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batches_sha256'), ['sha256'], unique=False)

    op.create_table('imported_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_imported_rows_batch_id_import_batches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_imported_rows_contribution_id_contributions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_imported_rows_process_id_processes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_rows')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_imported_rows_contribution_id')),
    sa.UniqueConstraint('process_id', 'fingerprint', name='uq_imported_rows_process_fingerprint')
    )
    with op.batch_alter_table('imported_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_rows_batch_id'), ['batch_id'], unique=False)



def downgrade():
    with op.batch_alter_table('imported_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_rows_batch_id'))

    op.drop_table('imported_rows')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_sha256'))
        batch_op.drop_index('ix_import_batches_process_recent')

    op.drop_table('import_batches')

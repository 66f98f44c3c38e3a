"""Plaidoyer: documents, sections (soft-removed), placed proposals, frozen versions

Revision ID: 0013_plaidoyer
Revises: 0012_prioritisation
Create Date: 2026-11-23 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_plaidoyer'
down_revision = '0012_prioritisation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plaidoyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plaidoyers_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plaidoyers'))
    )
    op.create_table('plaidoyer_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plaidoyer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme_key', sa.String(length=120), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plaidoyer_id'], ['plaidoyers.id'], name=op.f('fk_plaidoyer_sections_plaidoyer_id_plaidoyers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plaidoyer_sections'))
    )
    with op.batch_alter_table('plaidoyer_sections', schema=None) as batch_op:
        batch_op.create_index('ix_plaidoyer_sections_plaidoyer_position', ['plaidoyer_id', 'position'], unique=False)

    op.create_table('plaidoyer_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plaidoyer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plaidoyer_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plaidoyer_id'], ['plaidoyers.id'], name=op.f('fk_plaidoyer_versions_plaidoyer_id_plaidoyers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plaidoyer_versions')),
    sa.UniqueConstraint('plaidoyer_id', 'number', name='uq_plaidoyer_versions_plaidoyer_number')
    )
    op.create_table('plaidoyer_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plaidoyer_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_plaidoyer_items_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plaidoyer_id'], ['plaidoyers.id'], name=op.f('fk_plaidoyer_items_plaidoyer_id_plaidoyers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_plaidoyer_items_proposal_id_proposals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['section_id'], ['plaidoyer_sections.id'], name=op.f('fk_plaidoyer_items_section_id_plaidoyer_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plaidoyer_items')),
    sa.UniqueConstraint('plaidoyer_id', 'proposal_id', name='uq_plaidoyer_items_plaidoyer_proposal')
    )
    with op.batch_alter_table('plaidoyer_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plaidoyer_items_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index('ix_plaidoyer_items_section_position', ['section_id', 'position'], unique=False)


def downgrade():
    with op.batch_alter_table('plaidoyer_items', schema=None) as batch_op:
        batch_op.drop_index('ix_plaidoyer_items_section_position')
        batch_op.drop_index(batch_op.f('ix_plaidoyer_items_proposal_id'))

    op.drop_table('plaidoyer_items')
    op.drop_table('plaidoyer_versions')
    with op.batch_alter_table('plaidoyer_sections', schema=None) as batch_op:
        batch_op.drop_index('ix_plaidoyer_sections_plaidoyer_position')

    op.drop_table('plaidoyer_sections')
    op.drop_table('plaidoyers')

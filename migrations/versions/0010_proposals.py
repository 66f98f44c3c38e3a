"""Proposals (propositions) merged from contributions: sources, themes, supporters (counted once per person)

Revision ID: 0010_proposals
Revises: 0009_duplicates
Create Date: 2026-11-23 17:49:05.965263

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_proposals'
down_revision = '0009_duplicates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('priority', sa.Enum('high', 'medium', 'low', name='proposalpriority', native_enum=False, length=24), nullable=False),
    sa.Column('status', sa.Enum('under_review', 'retained', 'discarded', name='proposalstatus', native_enum=False, length=24), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_proposals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposals.id'], name=op.f('fk_proposals_merged_into_id_proposals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_proposals_process_id_processes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index('ix_proposals_process_recent', ['process_id', 'id'], unique=False)

    op.create_table('proposal_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.Enum('carried', 'direct', name='supportorigin', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_supports_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_proposal_supports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_supports')),
    sa.UniqueConstraint('proposal_id', 'user_id', name='uq_proposal_supports_proposal_user')
    )
    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_supports_user', ['user_id'], unique=False)

    op.create_table('proposal_themes',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_themes_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_proposal_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'theme_id', name=op.f('pk_proposal_themes'))
    )
    with op.batch_alter_table('proposal_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_themes_theme_id'), ['theme_id'], unique=False)

    op.create_table('proposal_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_proposal_sources_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_proposal_sources_contribution_id_contributions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_sources_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_sources')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_proposal_sources_contribution_id'))
    )
    with op.batch_alter_table('proposal_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_sources_proposal_id'), ['proposal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('proposal_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_sources_proposal_id'))

    op.drop_table('proposal_sources')
    with op.batch_alter_table('proposal_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_themes_theme_id'))

    op.drop_table('proposal_themes')
    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_supports_user')

    op.drop_table('proposal_supports')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_process_recent')
        batch_op.drop_index(batch_op.f('ix_proposals_merged_into_id'))

    op.drop_table('proposals')

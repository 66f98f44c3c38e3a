"""Proposals keep the review of their citations; moderators' "Cette citation est fausse" flags

Revision ID: 0016_proposal_citations
Revises: 0015_contribution_vectors
Create Date: 2026-12-02 05:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_proposal_citations'
# Chain after 0015_contribution_vectors when both are merged.
down_revision = '0015_contribution_vectors'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citation_review', sa.JSON(), nullable=True))
    op.create_table('assistant_citation_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('segment_index', sa.Integer(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=False),
    sa.Column('citations', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assistant_citation_flags_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['assistant_messages.id'], name=op.f('fk_assistant_citation_flags_message_id_assistant_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_assistant_citation_flags_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_citation_flags')),
    sa.UniqueConstraint('message_id', 'segment_index', name='uq_assistant_citation_flags_segment')
    )
    with op.batch_alter_table('assistant_citation_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_citation_flags_process_id'), ['process_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assistant_citation_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_citation_flags_process_id'))
    op.drop_table('assistant_citation_flags')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('citation_review')

"""Plenary prioritisation sessions: items, dot-voting ballots and allocations, pairwise votes

Revision ID: 0012_prioritisation
Revises: 0011_assistant
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_prioritisation'
down_revision = '0011_assistant'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('prioritisation_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('mode', sa.Enum('dots', 'pairwise', name='sessionmode', native_enum=False, length=24), nullable=False),
    sa.Column('n_points', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', 'cancelled', name='sessionstatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_prioritisation_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_prioritisation_sessions_process_id_processes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_sessions'))
    )
    with op.batch_alter_table('prioritisation_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_prioritisation_sessions_process_recent', ['process_id', 'id'], unique=False)

    op.create_table('prioritisation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_prioritisation_items_proposal_id_proposals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['prioritisation_sessions.id'], name=op.f('fk_prioritisation_items_session_id_prioritisation_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_items')),
    sa.UniqueConstraint('session_id', 'proposal_id', name='uq_prioritisation_items_session_proposal')
    )
    with op.batch_alter_table('prioritisation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prioritisation_items_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('prioritisation_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['prioritisation_sessions.id'], name=op.f('fk_prioritisation_ballots_session_id_prioritisation_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prioritisation_ballots_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_ballots')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_prioritisation_ballots_session_user')
    )
    with op.batch_alter_table('prioritisation_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prioritisation_ballots_user_id'), ['user_id'], unique=False)

    op.create_table('prioritisation_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_prioritisation_allocations_points_positive')),
    sa.ForeignKeyConstraint(['ballot_id'], ['prioritisation_ballots.id'], name=op.f('fk_prioritisation_allocations_ballot_id_prioritisation_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_prioritisation_allocations_proposal_id_proposals'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_allocations')),
    sa.UniqueConstraint('ballot_id', 'proposal_id', name='uq_prioritisation_allocations_ballot_proposal')
    )
    with op.batch_alter_table('prioritisation_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prioritisation_allocations_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('prioritisation_pair_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('low_id', sa.Integer(), nullable=False),
    sa.Column('high_id', sa.Integer(), nullable=False),
    sa.Column('winner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('low_id < high_id', name=op.f('ck_prioritisation_pair_votes_pair_sorted')),
    sa.ForeignKeyConstraint(['high_id'], ['proposals.id'], name=op.f('fk_prioritisation_pair_votes_high_id_proposals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['low_id'], ['proposals.id'], name=op.f('fk_prioritisation_pair_votes_low_id_proposals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['prioritisation_sessions.id'], name=op.f('fk_prioritisation_pair_votes_session_id_prioritisation_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prioritisation_pair_votes_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['winner_id'], ['proposals.id'], name=op.f('fk_prioritisation_pair_votes_winner_id_proposals'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_pair_votes')),
    sa.UniqueConstraint('session_id', 'user_id', 'low_id', 'high_id', name='uq_prioritisation_pair_votes_pair')
    )
    with op.batch_alter_table('prioritisation_pair_votes', schema=None) as batch_op:
        batch_op.create_index('ix_prioritisation_pair_votes_session', ['session_id', 'id'], unique=False)


def downgrade():
    op.drop_table('prioritisation_pair_votes')
    op.drop_table('prioritisation_allocations')
    op.drop_table('prioritisation_ballots')
    op.drop_table('prioritisation_items')
    op.drop_table('prioritisation_sessions')

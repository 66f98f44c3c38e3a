"""Ballot cards: single-use codes that vote in a plenary session without an account

A ballot (dot voting) or a pair answer now comes from an account or from a card, exactly one.

Revision ID: 0019_ux_event_ballots
Revises: 0018_scale_infra_data_generation
Create Date: 2026-12-02 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_ux_event_ballots'
down_revision = '0018_scale_infra_data_generation'
branch_labels = None
depends_on = None

ONE_VOTER = '(user_id IS NULL) <> (card_id IS NULL)'


def upgrade():
    op.create_table('prioritisation_ballot_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_prioritisation_ballot_cards_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['prioritisation_sessions.id'], name=op.f('fk_prioritisation_ballot_cards_session_id_prioritisation_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prioritisation_ballot_cards')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_prioritisation_ballot_cards_code_hash'))
    )
    with op.batch_alter_table('prioritisation_ballot_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prioritisation_ballot_cards_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('prioritisation_ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_prioritisation_ballots_card_id_prioritisation_ballot_cards'), 'prioritisation_ballot_cards', ['card_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_prioritisation_ballots_session_card', ['session_id', 'card_id'])
        batch_op.create_check_constraint(op.f('ck_prioritisation_ballots_one_voter'), ONE_VOTER)
        batch_op.create_index(batch_op.f('ix_prioritisation_ballots_card_id'), ['card_id'], unique=False)

    with op.batch_alter_table('prioritisation_pair_votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_prioritisation_pair_votes_card_id_prioritisation_ballot_cards'), 'prioritisation_ballot_cards', ['card_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_prioritisation_pair_votes_card_pair', ['session_id', 'card_id', 'low_id', 'high_id'])
        batch_op.create_check_constraint(op.f('ck_prioritisation_pair_votes_one_voter'), ONE_VOTER)
        batch_op.create_index(batch_op.f('ix_prioritisation_pair_votes_card_id'), ['card_id'], unique=False)


def downgrade():
    # Card votes have no account to keep them: they go with the cards.
    op.execute('DELETE FROM prioritisation_allocations WHERE ballot_id IN (SELECT id FROM prioritisation_ballots WHERE card_id IS NOT NULL)')
    op.execute('DELETE FROM prioritisation_ballots WHERE card_id IS NOT NULL')
    op.execute('DELETE FROM prioritisation_pair_votes WHERE card_id IS NOT NULL')
    with op.batch_alter_table('prioritisation_pair_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prioritisation_pair_votes_card_id'))
        batch_op.drop_constraint('ck_prioritisation_pair_votes_one_voter', type_='check')
        batch_op.drop_constraint('uq_prioritisation_pair_votes_card_pair', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_prioritisation_pair_votes_card_id_prioritisation_ballot_cards'), type_='foreignkey')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('card_id')

    with op.batch_alter_table('prioritisation_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prioritisation_ballots_card_id'))
        batch_op.drop_constraint('ck_prioritisation_ballots_one_voter', type_='check')
        batch_op.drop_constraint('uq_prioritisation_ballots_session_card', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_prioritisation_ballots_card_id_prioritisation_ballot_cards'), type_='foreignkey')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('card_id')

    with op.batch_alter_table('prioritisation_ballot_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prioritisation_ballot_cards_session_id'))

    op.drop_table('prioritisation_ballot_cards')

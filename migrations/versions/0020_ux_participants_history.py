"""Contribution revisions (an author's edits keep every earlier version); the date an account accepted
the charter and the personal-data notice

Revision ID: 0020_ux_participants_history
Revises: 0019_ux_event_ballots
Create Date: 2026-12-02 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_ux_participants_history'
down_revision = '0019_ux_event_ballots'
branch_labels = None
depends_on = None

KINDS = ('diagnostic', 'idea', 'proposal', 'weak_signal', 'track')


def upgrade():
    op.create_table(
        'contribution_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='contributionkind', native_enum=False, length=24), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('replaced_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['replaced_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contribution_id', 'number', name='uq_contribution_revisions_number'),
    )
    # Accounts from before this rule keep None: they registered under the earlier terms.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consented_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('consented_at')
    op.drop_table('contribution_revisions')

"""Synthesis assistant: conversations per scope and their checked messages

Revision ID: 0011_assistant
Revises: 0008_clustering
Create Date: 2026-11-23 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_assistant'
down_revision = '0008_clustering'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assistant_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('scope_kind', sa.Enum('groupe', 'proposition', 'selection', 'regroupement', name='scopekind', native_enum=False, length=24), nullable=False),
    sa.Column('scope_key', sa.String(length=80), nullable=False),
    sa.Column('contribution_ids', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assistant_conversations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_assistant_conversations_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_conversations')),
    sa.UniqueConstraint('process_id', 'scope_key', name='uq_assistant_conversations_process_scope')
    )
    op.create_table('assistant_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('summary', 'answer', 'draft', name='messagekind', native_enum=False, length=24), nullable=False),
    sa.Column('question', sa.String(length=500), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('engine', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('notice', sa.String(length=500), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['assistant_conversations.id'], name=op.f('fk_assistant_messages_conversation_id_assistant_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assistant_messages_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_messages'))
    )
    with op.batch_alter_table('assistant_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_messages_conversation_id'), ['conversation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assistant_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_messages_conversation_id'))

    op.drop_table('assistant_messages')
    op.drop_table('assistant_conversations')

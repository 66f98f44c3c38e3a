"""Notifications: where they lead is an endpoint and its arguments (links built with url_for when shown)

Existing rows whose ``link`` path is one the code wrote (a contribution, one of its comments, a proposal)
get its endpoint and arguments; any other row keeps only ``link``, which the page still shows.

Revision ID: 0017_notification_endpoints
Revises: 0016_proposal_citations
Create Date: 2026-12-02 06:00:00

"""
import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_notification_endpoints'
down_revision = '0016_proposal_citations'
branch_labels = None
depends_on = None

# The paths notifications were given before this revision, and the endpoint each one is.
_PATHS = (
    (re.compile(r"/contributions/(\d+)"), "participation.contribution", "contribution_id"),
    (re.compile(r"/contributions/(\d+)#commentaire-(\d+)"), "participation.contribution", "contribution_id"),
    (re.compile(r"/propositions/(\d+)"), "proposals.show", "proposal_id"),
)


def _endpoint(link):
    """(endpoint, JSON arguments) of an old ``link`` path, or None when it is not one of ours."""
    for pattern, endpoint, name in _PATHS:
        match = pattern.fullmatch(link)
        if match:
            args = {name: int(match.group(1))}
            if pattern.groups == 2:
                args["_anchor"] = f"commentaire-{match.group(2)}"
            return endpoint, json.dumps(args, sort_keys=True)
    return None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('endpoint_args', sa.Text(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, link FROM notifications WHERE link IS NOT NULL")).all()
    for row_id, link in rows:
        found = _endpoint(link)
        if found:
            connection.execute(
                sa.text("UPDATE notifications SET endpoint = :endpoint, endpoint_args = :args WHERE id = :id"),
                {"endpoint": found[0], "args": found[1], "id": row_id},
            )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('endpoint_args')
        batch_op.drop_column('endpoint')

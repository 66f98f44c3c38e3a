"""A worker process killed in the middle of a merge leaves no partial merge behind."""

import subprocess
import sys
import textwrap

from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, ContributionStatus, Proposal, Role
from tests.conftest import ROOT

# Runs the real merge in another process and kills it (os._exit, like SIGKILL: no cleanup, no
# rollback) after the proposal, its sources and the contributions' new status are written, just
# before the commit.
KILLED_MERGE = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    from contrib import create_app
    from contrib.extensions import db
    from contrib.models import User
    from contrib.proposals import acts as proposals

    app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "x", "TESTING": True}})
    with app.app_context():
        def die_before_commit(*args, **kwargs):
            db.session.flush()
            os._exit(9)
        proposals.notify_merged = die_before_commit
        moderator = db.session.get(User, {moderator_id})
        proposals.create_from_contributions({process_id}, {ids!r}, "Titre", "Texte", [{theme_id}], "high",
                                            moderator=moderator)
    sys.exit(0)  # not reached
""")


def test_killed_merge_leaves_nothing_half_done(app, factory):
    process = factory.process()
    contributions = [factory.contribution(process) for _ in range(3)]
    moderator = factory.user(Role.MODERATOR)
    script = KILLED_MERGE.format(
        root=str(ROOT),
        url=app.config["SQLALCHEMY_DATABASE_URI"],
        moderator_id=moderator.id,
        process_id=process.id,
        ids=[c.id for c in contributions],
        theme_id=process.themes[0].id,
    )
    db.session.remove()  # release SQLite's file for the other process
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr[-2000:]

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action.like("proposals:%"))) == 0
    statuses = db.session.scalars(db.select(Contribution.status)).all()
    assert statuses == [ContributionStatus.PUBLISHED] * 3

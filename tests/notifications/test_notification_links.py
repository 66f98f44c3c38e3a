"""Notifications lead somewhere through an endpoint and its arguments, not a hard-coded path."""

import importlib.util
from pathlib import Path

from flask import url_for

from contrib.extensions import db
from contrib.models import Notification, Role
from contrib.moderation import hiding, reports
from contrib.notifications import services as notifications
from contrib.participation import comments
from contrib.prioritisation import proposal_life
from contrib.proposals import services as proposals

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0017_notification_endpoints.py"


def _resolved(app, notification: Notification) -> tuple[str, dict, str]:
    """(endpoint, arguments, anchor) that the URL shown for ``notification`` reaches in the app."""
    with app.test_request_context():
        url = url_for(notification.endpoint, **notification.url_args)
    path, _, anchor = url.partition("#")
    endpoint, args = app.url_map.bind("").match(path)
    return endpoint, args, anchor


def test_each_kind_of_notification_reaches_its_page(app, client, factory, auth):
    process = factory.process()
    author, neighbour = factory.user(), factory.user()
    moderator = factory.user(Role.MODERATOR)
    contribution = factory.contribution(process, author_id=author.id, text="Former les tuteurs.")
    comment = comments.post_comment(contribution.id, "Bonne idée.", author=neighbour)  # answered
    proposal = proposals.create_from_contributions(
        process.id, [contribution.id], "Former", "Texte.", [process.themes[0].id], "medium", moderator=moderator
    )  # merged
    proposal_life.set_status(proposal.id, "retained", None, moderator=moderator)  # proposal_status
    off_topic = factory.contribution(process, author_id=author.id, text="Hors sujet.")
    hiding.hide(off_topic.id, "hors sujet", moderator=moderator)  # hidden, by a moderator
    other = factory.contribution(process, author_id=neighbour.id, text="Une autre idée.")
    reply = comments.post_comment(other.id, "Achetez nos formations !", author=author)
    for _ in range(app.config["REPORTS_TO_HIDE"]):
        reports.report("comment", reply.id, "spam", None, reporter=factory.user())  # hidden, after reports

    mine = db.session.scalars(
        db.select(Notification).where(Notification.user_id == author.id).order_by(Notification.id)
    ).all()
    reached = [(n.kind, *_resolved(app, n)) for n in mine]
    assert reached == [
        ("answered", "participation.contribution", {"contribution_id": contribution.id}, f"commentaire-{comment.id}"),
        ("merged", "proposals.show", {"proposal_id": proposal.id}, ""),
        ("proposal_status", "proposals.show", {"proposal_id": proposal.id}, ""),
        ("hidden", "participation.contribution", {"contribution_id": off_topic.id}, ""),
        ("hidden", "participation.contribution", {"contribution_id": other.id}, f"commentaire-{reply.id}"),
    ]
    assert {kind for kind, *_ in reached} == set(notifications.SUBJECTS) - {"retained"}  # no creator for it yet
    assert all(n.link is None for n in mine)  # nothing hard-coded any more
    auth.login(author)
    page = client.get("/notifications").text
    assert f'href="/contributions/{contribution.id}#commentaire-{comment.id}"' in page
    assert f'href="/propositions/{proposal.id}"' in page


def test_old_rows_with_only_a_path_still_show_their_link(client, factory, auth):
    me = factory.user()
    db.session.add_all(
        [
            Notification(user_id=me.id, kind="answered", message="Ancienne notification", link="/ancien/chemin"),
            Notification(user_id=me.id, kind="hidden", message="Sans lien"),
        ]
    )
    db.session.commit()
    auth.login(me)
    page = client.get("/notifications").text
    assert '<a href="/ancien/chemin">Ancienne notification</a>' in page
    assert "Sans lien" in page and 'href="None"' not in page


def test_the_migration_reads_back_the_paths_the_code_wrote(app):
    spec = importlib.util.spec_from_file_location("migration_0017", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for link in ("/contributions/12", "/contributions/12#commentaire-34", "/propositions/56"):
        endpoint, args_json = migration._endpoint(link)
        row = Notification(endpoint=endpoint, endpoint_args=args_json)
        with app.test_request_context():
            assert url_for(row.endpoint, **row.url_args) == link  # the same page as before
    for other in ("/", "/contributions/12/soutien", "/propositions/abc", "https://ailleurs.example/contributions/1"):
        assert migration._endpoint(other) is None  # kept as ``link`` only

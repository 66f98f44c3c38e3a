"""Changing an id in a URL or a form never lets someone act on what is not theirs."""

from contrib.extensions import db
from contrib.models import Comment, ImportBatch, ImportStatus, Notification, Role
from contrib.services import comments, imports, notifications

SHEET = "Thématique;Texte\nMétiers;Former les tuteurs en entreprise\n".encode()


def test_reply_cannot_hang_under_another_contributions_comment(client, factory, auth):
    process = factory.process()
    first, second = factory.contribution(process), factory.contribution(process)
    parent = comments.post_comment(first.id, "Commentaire sur la première.", author=factory.user())
    auth.login(factory.user())
    response = client.post(f"/contributions/{second.id}/commentaires",
                           data={"text": "Réponse détournée", "parent_id": str(parent.id)})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 1


def test_a_batch_is_reached_only_through_its_own_process(client, factory, auth):
    facilitator = factory.user(Role.FACILITATOR)
    pessac, lyon = factory.process(slug="pessac"), factory.process(slug="lyon")
    batch = imports.start_import(pessac.id, SHEET, "atelier.csv", actor=facilitator)
    auth.login(facilitator)
    assert client.get(f"/demarches/lyon/import/{batch.id}").status_code == 404
    client.post(f"/demarches/lyon/import/{batch.id}/confirmer")
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.DRAFT
    assert lyon.n_contributions == 0


def test_a_facilitator_cannot_undo_another_facilitators_import(client, factory, auth):
    process = factory.process(slug="pessac")
    owner, other = factory.user(Role.FACILITATOR), factory.user(Role.FACILITATOR)
    batch = imports.start_import(process.id, SHEET, "atelier.csv", actor=owner)
    imports.confirm_import(process.id, batch.id, actor=owner)
    auth.login(other)
    response = client.post(f"/demarches/pessac/import/{batch.id}/annuler", follow_redirects=True)
    assert "Seule la personne qui a fait l&#39;import" in response.text
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED


def test_marking_notifications_read_touches_only_mine(client, factory, auth):
    me, someone = factory.user(), factory.user()
    for user in (me, someone):
        notifications.deliver([notifications.notify(user.id, "answered", "Une réponse.", link="/")])
        db.session.commit()
    auth.login(me)
    client.post("/notifications/lues")
    db.session.expire_all()
    unread = db.session.scalars(db.select(Notification.user_id).where(Notification.read_at.is_(None))).all()
    assert unread == [someone.id]


def test_my_data_export_holds_only_my_data(client, factory, auth):
    process = factory.process()
    me, someone = factory.user(), factory.user()
    factory.contribution(process, author_id=someone.id, text="Texte de quelqu'un d'autre")
    factory.contribution(process, author_id=me.id, text="Mon texte à moi")
    auth.login(me)
    exported = client.get("/mon-compte/donnees.json", query_string={"user_id": someone.id}).json
    texts = [contribution["texte"] for contribution in exported["contributions"]]
    assert texts == ["Mon texte à moi"]
    assert exported["compte"]["email"] == me.email


def test_url_values_the_database_cannot_take_are_not_found(client, factory, auth):
    """A NUL in a slug or cluster key (PostgreSQL refuses it in text) and an id past 2**63 (SQLite's driver
    overflows) used to be 500s; no route matches them now."""
    process = factory.process(slug="pessac")
    auth.login(factory.user(Role.MODERATOR))
    for url in ("/demarches/pes%00sac", "/moderation/demarches/pessac/regroupements/1/groupes/c%001",
                "/contributions/9223372036854775808", f"/demarches/{process.slug}/import/{2**31}"):
        response = client.get(url)
        assert response.status_code == 404 and 'lang="fr"' in response.text, url

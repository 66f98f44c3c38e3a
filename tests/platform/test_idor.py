"""Changing an id in a URL or a form never lets someone act on what is not theirs."""

import pytest

from contrib.extensions import db
from contrib.facilitation import imports
from contrib.models import Comment, Contribution, ImportBatch, ImportStatus, Notification, Role
from contrib.notifications import services as notifications
from contrib.participation import comments

SHEET = "Thématique;Texte\nMétiers;Former les tuteurs en entreprise\n".encode()


def test_reply_cannot_hang_under_another_contributions_comment(client, factory, auth):
    process = factory.process()
    first, second = factory.contribution(process), factory.contribution(process)
    parent = comments.post_comment(first.id, "Commentaire sur la première.", author=factory.user())
    auth.login(factory.user())
    response = client.post(
        f"/contributions/{second.id}/commentaires", data={"text": "Réponse détournée", "parent_id": str(parent.id)}
    )
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
    assert client.get(f"/demarches/pessac/import/{batch.id}").status_code == 404
    assert client.post(f"/demarches/pessac/import/{batch.id}/annuler").status_code == 404
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED
    assert db.session.scalar(db.select(db.func.count(Contribution.id)).where(Contribution.hidden_at.is_not(None))) == 0


DRAFT_ROUTES = [
    ("get", ""),
    ("get", "/etat"),
    ("post", "/correspondance"),
    ("post", "/confirmer"),
    ("post", "/abandonner"),
    ("post", "/annuler"),
    ("get", "/contributions"),
]


def _draft_state(batch_id: int) -> tuple:
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    return batch.status, batch.mapping, batch.theme_choices, batch.cells


def test_another_facilitators_draft_batch_is_not_found_on_every_route(client, factory, auth):
    """Facilitator B reaches none of facilitator A's draft batch (view, cells, mapping, confirm, cancel,
    progress, undo): a 404 each time, the batch unchanged, nothing imported, and not even listed."""
    process = factory.process(slug="pessac")
    owner, other = factory.user(Role.FACILITATOR), factory.user(Role.FACILITATOR)
    batch = imports.start_import(process.id, SHEET, "atelier-de-a.csv", actor=owner)
    before = _draft_state(batch.id)
    auth.login(other)
    for method, suffix in DRAFT_ROUTES:
        response = getattr(client, method)(
            f"/demarches/pessac/import/{batch.id}{suffix}", data={"colonne_theme": "1", "colonne_text": "0"}
        )
        assert response.status_code == 404, suffix
        assert "Former les tuteurs" not in response.text, suffix
    assert "atelier-de-a.csv" not in client.get("/demarches/pessac/import").text
    assert _draft_state(batch.id) == before
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 0


@pytest.mark.parametrize("role", [None, Role.MODERATOR, Role.STAFF])
def test_the_uploader_a_moderator_and_staff_handle_the_batch(client, factory, auth, role):
    """The control: the uploader (None), a moderator and staff see, remap, confirm and undo it."""
    process = factory.process(slug="pessac")
    owner = factory.user(Role.FACILITATOR)
    batch = imports.start_import(process.id, SHEET, "atelier-de-a.csv", actor=owner)
    auth.login(owner if role is None else factory.user(role))
    assert "atelier-de-a.csv" in client.get("/demarches/pessac/import").text
    page = client.get(f"/demarches/pessac/import/{batch.id}")
    assert page.status_code == 200 and "Former les tuteurs" in page.text
    assert client.get(f"/demarches/pessac/import/{batch.id}/etat").status_code == 200
    client.post(
        f"/demarches/pessac/import/{batch.id}/correspondance",
        data={"colonne_theme": "0", "colonne_text": "1", "colonne_title": "1"},
    )
    assert _draft_state(batch.id)[1]["title"] == 1
    client.post(f"/demarches/pessac/import/{batch.id}/confirmer")
    assert _draft_state(batch.id)[0] == ImportStatus.CONFIRMED
    client.post(f"/demarches/pessac/import/{batch.id}/annuler")
    assert _draft_state(batch.id)[0] == ImportStatus.UNDONE


def test_a_moderator_cancels_someone_elses_draft(client, factory, auth):
    process = factory.process(slug="pessac")
    batch = imports.start_import(process.id, SHEET, "atelier.csv", actor=factory.user(Role.FACILITATOR))
    auth.login(factory.user(Role.MODERATOR))
    client.post(f"/demarches/pessac/import/{batch.id}/abandonner")
    assert _draft_state(batch.id)[0] == ImportStatus.CANCELLED


def test_marking_notifications_read_touches_only_mine(client, factory, auth):
    me, someone = factory.user(), factory.user()
    for user in (me, someone):
        notifications.deliver([notifications.notify(user.id, "answered", "Une réponse.", endpoint="main.home")])
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
    for url in (
        "/demarches/pes%00sac",
        "/moderation/demarches/pessac/regroupements/1/groupes/c%001",
        "/contributions/9223372036854775808",
        f"/demarches/{process.slug}/import/{2**31}",
    ):
        response = client.get(url)
        assert response.status_code == 404 and 'lang="fr"' in response.text, url

"""Personal data (download, deletion with anonymisation), abuse limits, concurrent supports."""

import json
import threading

from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, Role, Support, User
from contrib.participation import comments, supports
from tests.conftest import PASSWORD, Factory, make_app


def test_download_my_data(client, factory, auth):
    user = factory.user(display_name="Nadia B.")
    process = factory.process()
    mine = factory.contribution(process, author_id=user.id, text="Mon idée à moi")
    other = factory.contribution(process, text="Celle d'un autre")
    supports.support(other.id, user=user)
    comments.post_comment(other.id, "Mon commentaire", author=user)
    auth.login(user)
    response = client.get("/mon-compte/donnees.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["compte"]["email"] == user.email
    assert [c["id"] for c in data["contributions"]] == [mine.id]
    assert [s["contribution"] for s in data["soutiens"]] == [other.id]
    assert [c["texte"] for c in data["commentaires"]] == ["Mon commentaire"]


def test_delete_account_keeps_contributions_anonymised(client, factory, auth):
    user = factory.user(display_name="Nadia Berger", organisation="OF Sud-Ouest")
    process = factory.process()
    contribution = factory.contribution(process, author_id=user.id, text="Une idée qui doit rester")
    liked = factory.contribution(process)
    supports.support(liked.id, user=user)
    email = user.email
    auth.login(user)
    assert client.post("/mon-compte/supprimer", data={"password": "mauvais-mot-de-passe"}).status_code == 400
    response = client.post("/mon-compte/supprimer", data={"password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.display_name == "Participant anonyme" and stored.organisation is None
    assert stored.email != email and not stored.is_active
    assert db.session.get(Contribution, contribution.id).text == "Une idée qui doit rester"
    page = client.get(f"/contributions/{contribution.id}").text
    assert "Participant anonyme" in page and "Nadia Berger" not in page
    assert db.session.get(Contribution, liked.id).n_supports == 1
    assert client.post("/connexion", data={"email": email, "password": PASSWORD}).status_code == 400
    assert "accounts:user:delete" in db.session.execute(db.select(AuditEntry.action)).scalars().all()


def test_posting_is_rate_limited_per_account(migrated_database):
    """30 posts an hour per account, keyed on the account: a shared event Wi-Fi does not block others."""
    app = make_app(migrated_database, RATELIMIT_ENABLED=True)
    with app.app_context():
        factory = Factory()
        process = factory.process()
        first, second = factory.user(), factory.user()
        slug, theme_id = process.slug, process.themes[0].id
        emails = first.email, second.email
    clients = []
    for email in emails:
        client = app.test_client()
        client.post("/connexion", data={"email": email, "password": PASSWORD})
        clients.append(client)
    data = {"theme_id": theme_id, "kind": "idea", "similar_checked": "1"}
    statuses = [
        clients[0].post(f"/demarches/{slug}/contribuer", data={**data, "text": f"Idée numéro {n}"}).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [302] * 30 and statuses[30] == 429
    assert "Trop de tentatives" in clients[0].post(f"/demarches/{slug}/contribuer", data={**data, "text": "x"}).text
    assert clients[1].post(f"/demarches/{slug}/contribuer", data={**data, "text": "Une autre idée"}).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Contribution.id))).scalar() == 31
        from tests.conftest import _empty_all_tables

        _empty_all_tables()


def test_parallel_supports_never_double_count(app, factory):
    """Many requests at once: one person counts once, several people count each once."""
    process = factory.process()
    contribution = factory.contribution(process)
    me = factory.user()
    others = [factory.user() for _ in range(6)]
    barrier = threading.Barrier(12)
    errors = []

    def support_as(user_id):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                barrier.wait()
                try:
                    supports.support(contribution.id, user=user)
                finally:
                    db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=support_as, args=(me.id,)) for _ in range(6)]
    threads += [threading.Thread(target=support_as, args=(user.id,)) for user in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).n_supports == 7
    assert db.session.execute(db.select(db.func.count(Support.id))).scalar() == 7
    assert db.session.execute(db.select(db.func.count(Support.id)).filter_by(user_id=me.id)).scalar() == 1


def test_moderator_role_is_not_needed_to_delete_own_account(client, factory, auth):
    user = factory.user(Role.MODERATOR)
    auth.login(user)
    assert client.post("/mon-compte/supprimer", data={"password": PASSWORD}).status_code == 302


def test_delete_account_erases_the_addresses_the_person_acted_from(client, factory, auth):
    process = factory.process()
    user, other = factory.user(), factory.user()
    for author in (other, user):
        auth.login(author)
        data = {"theme_id": process.themes[0].id, "kind": "idea", "similar_checked": "1", "text": "Une idée"}
        assert client.post(f"/demarches/{process.slug}/contribuer", data=data).status_code == 302
        auth.logout()
    auth.login(user)
    assert client.post("/mon-compte/supprimer", data={"password": PASSWORD}).status_code == 302
    db.session.expire_all()
    addresses = {
        (entry.actor_id, entry.action): entry.client_address for entry in db.session.scalars(db.select(AuditEntry))
    }
    assert {address for (actor, _), address in addresses.items() if actor == user.id} == {None}
    # Control: the address was recorded, and another person's entries keep theirs.
    assert addresses[(other.id, "contributions:contribution:create")] == "127.0.0.1"

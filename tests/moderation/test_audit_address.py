"""Audit entries record the acting client's address: behind trusted proxies the forwarded one, never a
header nobody vouches for; an act a worker does for someone carries the address of whoever queued it.
Staff read it in the journal, moderators do not."""

import io
from types import SimpleNamespace

import pytest

from contrib.extensions import db
from contrib.models import AuditEntry, Role
from tests.conftest import PASSWORD, Factory, _empty_all_tables, clear_process_caches, make_app, poll_with_worker

CLIENT = "203.0.113.7"  # the participant's address, as the proxy forwards it
TEST_CLIENT_SOCKET = "127.0.0.1"  # what werkzeug's test client connects from


HOPS = pytest.mark.parametrize("proxied", [1, 0], ids=["behind-one-trusted-proxy", "no-trusted-proxy"], indirect=True)


@pytest.fixture
def proxied(request, migrated_database, tmp_path):
    """An app trusting ``request.param`` proxy hops (one unless parametrized), with a client whose every
    request carries X-Forwarded-For."""
    hops = getattr(request, "param", 1)
    app = make_app(
        migrated_database,
        PROXY_HOPS=hops,
        TASK_QUEUE=f"sqlite:///{tmp_path / 'tasks.sqlite3'}",
        IMPORT_BACKGROUND_ROWS=1,
    )
    with app.app_context():
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = CLIENT
        yield SimpleNamespace(app=app, client=client, hops=hops)
        db.session.remove()
        _empty_all_tables()
        clear_process_caches()
        db.session.remove()


def _login(client, user):
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302


def _entry(action: str) -> AuditEntry:
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).one()


@HOPS
def test_a_moderation_act_records_the_forwarded_address_only_behind_a_trusted_proxy(proxied):
    client = proxied.client
    factory = Factory()
    process = factory.process()
    contribution = factory.contribution(process)
    _login(client, factory.user(Role.MODERATOR))
    response = client.post(f"/moderation/contributions/{contribution.id}/masquer", data={"reason": "Hors sujet"})
    assert response.status_code == 302
    # Without a trusted hop anyone can write the header: the socket's address is kept (the control).
    assert _entry("moderation:contribution:hide").client_address == (CLIENT if proxied.hops else TEST_CLIENT_SOCKET)


def test_an_act_a_worker_does_for_someone_carries_their_address(proxied):
    client = proxied.client
    factory = Factory()
    factory.process(slug="pessac")
    facilitator = factory.user(Role.FACILITATOR)
    _login(client, facilitator)
    sheet = "Thématique;Texte\nMétiers/compétences;Former les tuteurs en entreprise\n"
    response = client.post("/demarches/pessac/import", data={"file": (io.BytesIO(sheet.encode()), "atelier.csv")})
    assert response.status_code == 302, response.text
    batch_id = _entry("imports:batch:upload").target_id
    base = f"/demarches/pessac/import/{batch_id}"
    assert "lancé" in client.post(f"{base}/confirmer", follow_redirects=True).text, "the confirmation is queued"
    assert poll_with_worker(proxied.app, client, f"{base}/etat")["status_label"] == "Terminé"
    db.session.expire_all()
    assert _entry("imports:batch:confirm").client_address == CLIENT


def test_staff_read_the_address_in_the_journal_moderators_do_not(proxied):
    client = proxied.client
    factory = Factory()
    contribution = factory.contribution(factory.process())
    moderator, staff = factory.user(Role.MODERATOR), factory.user(Role.STAFF)
    _login(client, moderator)
    client.post(f"/moderation/contributions/{contribution.id}/masquer", data={"reason": "Hors sujet"})
    journal = client.get("/moderation/journal").text
    assert "masqué" in journal and CLIENT not in journal
    client.post("/deconnexion")
    _login(client, staff)
    assert f"depuis l'adresse {CLIENT}" in client.get("/moderation/journal").text

"""HSTS behind HTTPS, no caching of personal pages, and no open redirect through ``next``/``retour``."""

from urllib.parse import quote

import pytest

from contrib.models import Role
from tests.conftest import make_app

HOSTILE_TARGETS = [
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
]


# --- Strict-Transport-Security ---

def test_hsts_is_sent_when_cookies_are_secure(migrated_database, monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRIB_SECURE_COOKIES", "true")
    secure = make_app(migrated_database, TASK_QUEUE=f"sqlite:///{tmp_path / 'tasks.sqlite3'}")

    response = secure.test_client().get("/connexion")

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_control_no_hsts_without_secure_cookies(migrated_database, monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRIB_SECURE_COOKIES", "false")
    plain = make_app(migrated_database, TASK_QUEUE=f"sqlite:///{tmp_path / 'tasks.sqlite3'}")

    response = plain.test_client().get("/connexion")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


# --- Cache-Control ---

@pytest.mark.parametrize("path", ["/", "/mon-compte", "/mon-compte/donnees.json", "/mes-contributions",
                                  "/notifications"])
def test_pages_of_a_logged_in_person_are_not_stored(client, factory, auth, path):
    auth.login(factory.user())

    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_login_answer_itself_is_not_stored(client, factory):
    user = factory.user()
    response = client.post("/connexion", data={"email": user.email, "password": "mot-de-passe-solide"})
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/connexion"])
def test_control_anonymous_public_pages_keep_their_caching(client, factory, path):
    factory.process()
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_control_static_files_stay_cacheable_when_logged_in(client, factory, auth):
    auth.login(factory.user())
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- Redirect targets from the request ---

@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_moderation_retour_refuses_hostile_targets(client, factory, auth, target):
    auth.login(factory.user(Role.MODERATOR))
    response = client.post("/moderation/journal/999999/annuler", data={"retour": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/moderation/journal"


def test_control_moderation_retour_honours_a_moderation_page(client, factory, auth):
    auth.login(factory.user(Role.MODERATOR))
    response = client.post("/moderation/journal/999999/annuler", data={"retour": "/moderation/journal?cible=3"})
    assert response.headers["Location"] == "/moderation/journal?cible=3"


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_login_next_refuses_hostile_targets(client, factory, target):
    user = factory.user()
    response = client.post(f"/connexion?next={quote(target, safe='')}",
                           data={"email": user.email, "password": "mot-de-passe-solide"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_control_login_next_honours_a_local_page(client, factory):
    user = factory.user()
    response = client.post(f"/connexion?next={quote('/mon-compte', safe='')}",
                           data={"email": user.email, "password": "mot-de-passe-solide"})
    assert response.headers["Location"] == "/mon-compte"


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_support_next_refuses_hostile_targets(client, factory, auth, target):
    contribution = factory.contribution(factory.process(), author_id=factory.user().id)
    auth.login(factory.user())
    response = client.post(f"/contributions/{contribution.id}/soutien", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_control_support_next_honours_a_local_page(client, factory, auth):
    process = factory.process()
    contribution = factory.contribution(process, author_id=factory.user().id)
    auth.login(factory.user())
    response = client.post(f"/contributions/{contribution.id}/soutien", data={"next": f"/demarches/{process.slug}"})
    assert response.headers["Location"] == f"/demarches/{process.slug}"

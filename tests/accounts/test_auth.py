"""Registration, login, logout, password rules, redirects."""

import pytest

from contrib.extensions import db
from contrib.models import AuditEntry, Role, User
from tests.conftest import PASSWORD


def register(client, **overrides):
    data = {
        "display_name": "Nadia B.",
        "email": "nadia@exemple.fr",
        "password": "un-mot-de-passe",
        "actor_type": "trainer",
        "organisation": "",
        "consent": "y",
    }
    data.update(overrides)
    return client.post("/inscription", data=data)


def test_register_creates_an_unconfirmed_participant_who_then_logs_in(client):
    """Can a person register (an unconfirmed participant, sent to the login page), then log in?"""
    response = register(client)
    assert response.status_code == 302 and response.location.startswith("/connexion")
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.role == Role.PARTICIPANT and user.email_confirmed_at is None
    assert user.password_hash != "un-mot-de-passe" and user.password_hash.startswith("scrypt:")
    assert "Un e-mail vous a été envoyé pour confirmer votre adresse" in client.get(response.location).text
    assert db.session.execute(db.select(AuditEntry.action)).scalar_one() == "accounts:user:register"
    client.post("/connexion", data={"email": "nadia@exemple.fr", "password": "un-mot-de-passe"})
    home = client.get("/").text
    assert "Mes contributions" in home
    assert "Confirmez votre adresse e-mail pour que vos soutiens et votes comptent" in home


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "pas-une-adresse"}, "Adresse e-mail invalide"),
        ({"password": "court"}, "au moins 10 caractères"),
        ({"password": "aaaaaaaaaaaa"}, "trop simple"),
        ({"display_name": "   "}, "Nom affiché : ce champ est obligatoire"),
        ({"display_name": "<b>Moi</b>"}, "balises HTML"),
        ({"display_name": "x" * 81}, "trop long (maximum 80)"),
    ],
)
def test_register_refuses_bad_input_in_french(client, overrides, message):
    """Is each bad registration refused with a French message, keeping what was typed?"""
    response = register(client, **overrides)
    assert response.status_code == 400
    assert message in response.text
    assert db.session.execute(db.select(User)).first() is None
    if "display_name" not in overrides:
        assert 'value="Nadia B."' in response.text


def test_login_and_logout(client, factory, auth):
    user = factory.user()
    auth.login(user)
    assert user.display_name in client.get("/").text
    auth.logout()
    assert "Se connecter" in client.get("/").text


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("inconnu@exemple.fr", PASSWORD),
        ("participant1@exemple.fr", "mauvais-mot-de-passe"),
        ("", ""),
    ],
)
def test_login_refuses_wrong_credentials(client, factory, email, password):
    factory.user()
    response = client.post("/connexion", data={"email": email, "password": password})
    assert response.status_code == 400
    assert (
        "Adresse e-mail ou mot de passe incorrect" in response.text
        or "obligatoire" in response.text.lower()
        or "requis" in response.text.lower()
    )


def test_a_refused_login_says_it_could_not_log_in_rather_than_that_a_form_was_not_saved(client, factory):
    """A failed login is not a form that "n'a pas été enregistré": the summary says what happened."""
    user = factory.user()
    page = client.post("/connexion", data={"email": user.email, "password": "mauvais-mot-de-passe"}).text
    assert "<h2>Connexion impossible</h2>" in page and "Adresse e-mail ou mot de passe incorrect" in page
    assert "pas été enregistré" not in page
    # The control: other forms keep their summary.
    assert "Le formulaire n'a pas été enregistré" in client.post("/inscription", data={}).text


def test_deactivated_account_cannot_log_in(client, factory):
    user = factory.user(is_active=False)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, factory, target):
    """Is `next=` limited to paths on this site (no open redirect)?"""
    user = factory.user()
    response = client.post(f"/connexion?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"


def test_login_follows_a_local_next(client, factory):
    user = factory.user()
    response = client.post("/connexion?next=/mes-contributions", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/mes-contributions"


def test_session_cookie_flags(client, factory, auth):
    user = factory.user()
    response = auth.login(user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"

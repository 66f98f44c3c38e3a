"""CSRF on every form; user text always escaped."""

from contrib.extensions import db
from contrib.models import Contribution, User
from tests.conftest import PASSWORD, csrf_token_from, make_app


def test_post_without_csrf_token_is_refused(migrated_database):
    """Is a form POST without its CSRF token refused, with a French message, writing nothing?"""
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(
        "/inscription",
        data={"display_name": "A", "email": "a@exemple.fr", "password": "un-mot-de-passe", "actor_type": "other"},
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.text
    with app.app_context():
        assert db.session.execute(db.select(User)).first() is None


def test_post_with_csrf_token_is_accepted(migrated_database, factory):
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = factory.user()
        email = user.email
    token = csrf_token_from(client.get("/connexion").text)
    response = client.post(
        "/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200 and "Bonjour" in response.text
    assert client.get("/mon-compte").status_code == 200, "logged in"


def test_logout_needs_csrf_token(migrated_database, factory):
    """Logging out is a POST with a token: a cross-site link cannot log people out."""
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = factory.user().email
    token = csrf_token_from(client.get("/connexion").text)
    client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/deconnexion").status_code == 400
    assert client.get("/deconnexion").status_code == 405


def test_script_contribution_is_shown_escaped(client, factory):
    """Text stored with markup (legacy or imported) is displayed as text, never run."""
    process = factory.process()
    contribution = factory.contribution(
        process, title="<img src=x onerror=alert(1)>", text="<script>alert('x')</script> et du texte"
    )
    for url in (f"/contributions/{contribution.id}", f"/demarches/{process.slug}"):
        html = client.get(url).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html
        assert "<img src=x" not in html
    stored = db.session.get(Contribution, contribution.id)
    assert stored.text.startswith("<script>")

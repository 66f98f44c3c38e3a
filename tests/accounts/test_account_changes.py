"""Registration (every error at once, consent recorded, what was typed kept) and a person's own account:
name (look-alikes refused), e-mail (re-confirmed by a signed link, old address told), password."""

import html as html_module
import re

import pytest

from contrib.extensions import db
from contrib.models import AuditEntry, Role, User
from tests.conftest import PASSWORD, Factory
from tests.notifications.test_notifications import decoded, mail_app, smtp_server  # noqa: F401  (fixtures)


def test_registration_shows_every_error_at_once_and_keeps_what_was_typed(client):
    response = client.post(
        "/inscription",
        data={
            "display_name": "",
            "email": "pas-une-adresse",
            "password": "court",
            "actor_type": "trainer",
            "organisation": "Greta du Limousin",
        },
    )
    assert response.status_code == 400
    html = response.text
    summary = html[html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))]
    for message in ("Nom affiché", "Adresse e-mail invalide", "au moins 10 caractères", "acceptez la charte"):
        assert message in summary, message
    assert 'value="pas-une-adresse"' in html and 'value="Greta du Limousin"' in html
    assert 'value="court"' not in html  # the password is never sent back
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_the_password_rule_is_explained_before_submitting(client):
    html = client.get("/inscription").text
    assert "Au moins 10 caractères, dont au moins 4 différents" in html
    assert 'aria-describedby="password-aide"' in html


def test_consent_is_required_and_its_date_recorded(client):
    data = {
        "display_name": "Nadia B.",
        "email": "nadia@exemple.fr",
        "password": "un-mot-de-passe",
        "actor_type": "trainer",
    }
    assert client.post("/inscription", data=data).status_code == 400
    assert db.session.scalar(db.select(User).filter_by(email="nadia@exemple.fr")) is None
    assert client.post("/inscription", data={**data, "consent": "y"}).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="nadia@exemple.fr"))
    assert user.consented_at is not None


def test_the_charter_and_the_notice_are_linked_and_readable(client):
    html = client.get("/inscription").text
    assert 'href="/charte"' in html and 'href="/donnees-personnelles"' in html
    assert "Respecter les personnes" in client.get("/charte").text
    notice = client.get("/donnees-personnelles").text
    assert "Vos droits" in notice and "Supprimer mon compte" in notice


@pytest.mark.parametrize("name", ["СРОF Bordeaux", "Adm1n", "Mοdération", "@dmin", "rnoderation"])
def test_look_alike_names_of_the_organisation_are_refused(client, factory, auth, name):
    user = factory.user(display_name="Camille")
    auth.login(user)
    response = client.post("/mon-compte/nom", data={"nom-display_name": name})
    assert response.status_code == 400 and "réservé à l'équipe CPOF" in html_module.unescape(response.text)
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Camille"


def test_a_look_alike_of_a_moderators_name_is_refused_and_a_plain_name_accepted(client, factory, auth):
    factory.user(Role.MODERATOR, display_name="Sophie Martin")
    user = factory.user(display_name="Camille")
    auth.login(user)
    response = client.post("/mon-compte/nom", data={"nom-display_name": "Ѕорhіе Мartіn"})  # Cyrillic letters
    assert response.status_code == 400
    response = client.post("/mon-compte/nom", data={"nom-display_name": "Camille Dupont"})  # control
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Camille Dupont"


def change_link(smtp_server, email: str) -> str:
    raw = [raw for recipients, raw in smtp_server.messages if email in recipients and "nouvelle adresse" in raw][-1]
    return re.search(r"http://contrib\.test(/mon-compte/adresse/\S+)", decoded(raw)).group(1)


def test_email_changes_only_once_the_new_address_confirms_and_the_old_one_is_told(mail_app, smtp_server):
    client = mail_app.test_client()
    user = Factory().user(email="ancienne@exemple.fr", email_confirmed_at=None)
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    response = client.post(
        "/mon-compte/adresse", data={"adresse-new_email": "Nouvelle@Exemple.fr", "adresse-password": PASSWORD}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "ancienne@exemple.fr"  # nothing changed yet
    told = [decoded(raw) for recipients, raw in smtp_server.messages if recipients == ["ancienne@exemple.fr"]]
    assert any("changement de l'adresse" in body for body in told)
    link = change_link(smtp_server, "nouvelle@exemple.fr")
    assert client.get(link).status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert changed.email == "nouvelle@exemple.fr" and changed.is_confirmed  # the link proved the address
    told = [decoded(raw) for recipients, raw in smtp_server.messages if recipients == ["ancienne@exemple.fr"]]
    assert any("a été remplacée" in body for body in told)
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="accounts:user:change_email")).actor_id == user.id
    # A link works once: the account's address is no longer the one it was sent from.
    assert client.get(link).status_code == 400
    assert client.post("/connexion", data={"email": "nouvelle@exemple.fr", "password": PASSWORD}).status_code == 302


def test_email_change_needs_the_password_and_a_valid_new_address(client, factory, auth):
    user = factory.user(email="camille@exemple.fr")
    auth.login(user)
    response = client.post(
        "/mon-compte/adresse", data={"adresse-new_email": "pas-une-adresse", "adresse-password": "faux"}
    )
    assert response.status_code == 400
    assert "Mot de passe incorrect" in response.text and "Adresse e-mail invalide" in response.text
    response = client.post(
        "/mon-compte/adresse", data={"adresse-new_email": "camille@exemple.fr", "adresse-password": PASSWORD}
    )
    assert response.status_code == 400 and "déjà l'adresse de votre compte" in html_module.unescape(response.text)


def test_a_forged_or_taken_change_link_changes_nothing(mail_app, smtp_server):
    client = mail_app.test_client()
    factory = Factory()
    user = factory.user(email="camille@exemple.fr")
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    client.post("/mon-compte/adresse", data={"adresse-new_email": "libre@exemple.fr", "adresse-password": PASSWORD})
    link = change_link(smtp_server, "libre@exemple.fr")
    assert client.get(link[:-3] + "abc").status_code == 400  # forged signature
    factory.user(email="libre@exemple.fr")  # someone took the address meanwhile
    assert client.get(link).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "camille@exemple.fr"


def test_an_address_with_an_account_gets_no_link_but_the_same_answer(mail_app, smtp_server):
    client = mail_app.test_client()
    factory = Factory()
    user = factory.user(email="camille@exemple.fr")
    factory.user(email="prise@exemple.fr")
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    response = client.post(
        "/mon-compte/adresse",
        data={"adresse-new_email": "prise@exemple.fr", "adresse-password": PASSWORD},
        follow_redirects=True,
    )
    assert "Un lien de confirmation vient d'être envoyé" in html_module.unescape(response.text)
    to_taken = [decoded(raw) for recipients, raw in smtp_server.messages if recipients == ["prise@exemple.fr"]]
    assert to_taken and not any("/mon-compte/adresse/" in body for body in to_taken)


def test_password_change_needs_the_current_one_and_ends_other_sessions(app, factory, auth, client):
    user = factory.user()
    other = app.test_client()
    other.post("/connexion", data={"email": user.email, "password": PASSWORD})
    auth.login(user)
    refused = client.post(
        "/mon-compte/mot-de-passe", data={"mdp-current_password": "faux", "mdp-new_password": "x" * 12}
    )
    assert refused.status_code == 400 and other.get("/mon-compte").status_code == 200  # control
    response = client.post(
        "/mon-compte/mot-de-passe",
        data={"mdp-current_password": PASSWORD, "mdp-new_password": "une phrase bien longue"},
    )
    assert response.status_code == 302
    assert client.get("/mon-compte").status_code == 200  # this session goes on
    assert other.get("/mon-compte").status_code == 302  # the other one is ended

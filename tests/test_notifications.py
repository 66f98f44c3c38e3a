"""Notifications in the site and by e-mail through a real local SMTP server; password reset."""

import re
import socket

import pytest
from aiosmtpd.controller import Controller

from contrib.extensions import db
from contrib.models import AuditEntry, Notification, User
from contrib.services import comments
from tests.conftest import PASSWORD, Factory, make_app


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def mail_app(migrated_database, smtp_server):
    from tests.conftest import _empty_all_tables

    app = make_app(migrated_database, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False,
                   PUBLIC_URL="http://contrib.test")
    # Mail goes through the task queue; huey's immediate mode runs each task as it is queued (a real
    # worker and a slow SMTP server: tests/test_mail_queue.py).
    app.extensions["tasks"].huey.immediate = True
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()


def decoded(message: str) -> str:
    import email
    from email import policy

    return email.message_from_string(message, policy=policy.default).get_body().get_content()


def test_comment_notifies_the_author_in_site_and_by_mail(mail_app, smtp_server):
    factory = Factory()
    process = factory.process()
    author, commenter = factory.user(), factory.user(display_name="Karim")
    contribution = factory.contribution(process, author_id=author.id)
    comments.post_comment(contribution.id, "Bonne idée !", author=commenter)
    notification = db.session.execute(db.select(Notification)).scalar_one()
    assert (notification.user_id, notification.kind) == (author.id, "answered")
    assert "Karim a commenté votre contribution" in notification.message
    [(recipients, raw)] = smtp_server.messages
    assert recipients == [author.email]
    assert f"http://contrib.test/contributions/{contribution.id}" in decoded(raw)


def test_own_comment_notifies_nobody(mail_app, smtp_server):
    factory = Factory()
    author = factory.user()
    contribution = factory.contribution(factory.process(), author_id=author.id)
    comments.post_comment(contribution.id, "Je précise ma pensée.", author=author)
    assert db.session.execute(db.select(Notification)).first() is None
    assert smtp_server.messages == []


def test_notifications_page_and_badge(client, factory, auth):
    author = factory.user()
    contribution = factory.contribution(factory.process(), author_id=author.id)
    comments.post_comment(contribution.id, "Une remarque.", author=factory.user())
    auth.login(author)
    assert "1<span class=\"visually-hidden\"> non lues" in client.get("/").text
    assert "a commenté votre contribution" in client.get("/notifications").text
    client.post("/notifications/lues")
    assert "non lues" not in client.get("/").text


def test_no_smtp_still_notifies_in_site(factory, app):
    author = factory.user()
    contribution = factory.contribution(factory.process(), author_id=author.id)
    comments.post_comment(contribution.id, "Une remarque.", author=factory.user())
    assert db.session.execute(db.select(Notification.user_id)).scalar_one() == author.id


def test_password_reset_by_mail(mail_app, smtp_server):
    factory = Factory()
    client = mail_app.test_client()
    user = factory.user()
    response = client.post("/mot-de-passe-oublie", data={"email": user.email})
    assert response.status_code == 302
    [(recipients, raw)] = smtp_server.messages
    assert recipients == [user.email]
    link = re.search(r"http://contrib\.test(/mot-de-passe/\S+)", decoded(raw)).group(1)
    assert client.post(link, data={"password": "court"}).status_code == 400
    assert client.post(link, data={"password": "un-nouveau-mot-de-passe"}).status_code == 302
    login = client.post("/connexion", data={"email": user.email, "password": "un-nouveau-mot-de-passe"})
    assert login.status_code == 302
    reused = client.post(link, data={"password": "encore-un-autre-mot"})
    assert reused.status_code == 400 and "plus valable" in reused.text
    assert "accounts:user:reset_password" in db.session.execute(db.select(AuditEntry.action)).scalars().all()


def test_password_reset_does_not_reveal_accounts(mail_app, smtp_server):
    client = mail_app.test_client()
    response = client.post("/mot-de-passe-oublie", data={"email": "personne@exemple.fr"}, follow_redirects=True)
    assert "Si un compte existe avec cette adresse" in response.text
    assert smtp_server.messages == []


def test_forged_reset_token_is_refused(client, factory):
    user = factory.user()
    response = client.post("/mot-de-passe/faux.jeton", data={"password": "un-nouveau-mot-de-passe"})
    assert response.status_code == 400 and "plus valable" in response.text
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert db.session.get(User, user.id).password_hash

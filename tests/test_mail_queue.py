"""E-mail leaves through the task queue: a slow SMTP server delays neither the request nor tells,
by its delay, whether an account exists. A real local SMTP server (aiosmtpd) and a real worker."""

import asyncio
import re
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from contrib import tasks
from contrib.extensions import db
from contrib.services import comments
from tests.conftest import Factory, _empty_all_tables, make_app, running_worker
from tests.test_notifications import Inbox, decoded

SMTP_DELAY_SECONDS = 3


class SlowInbox(Inbox):
    """An SMTP server that takes seconds to accept each message."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SMTP_DELAY_SECONDS)
        return await super().handle_DATA(server, session, envelope)

    def wait_for(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def slow_smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def queued_mail_app(migrated_database, slow_smtp, tmp_path):
    """SMTP configured, tasks on a real (SQLite) queue that runs only when a test starts a worker."""
    app = make_app(migrated_database, SMTP_HOST="127.0.0.1", SMTP_PORT=slow_smtp.port, SMTP_STARTTLS=False,
                   PUBLIC_URL="http://contrib.test", TASK_QUEUE=f"sqlite:///{tmp_path / 'tasks.sqlite3'}")
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()


def _timed_post(client, path: str, data: dict):
    started = time.perf_counter()
    response = client.post(path, data=data)
    return response, time.perf_counter() - started


def test_password_reset_answers_at_once_and_the_mail_arrives_once_the_queue_runs(queued_mail_app, slow_smtp):
    user = Factory().user()
    client = queued_mail_app.test_client()

    response, elapsed = _timed_post(client, "/mot-de-passe-oublie", {"email": user.email})

    assert response.status_code == 302
    assert elapsed < 1, f"the request waited {elapsed:.1f} s for the SMTP server"
    assert slow_smtp.messages == []
    assert tasks.queue(queued_mail_app).pending_count() == 1

    with running_worker(queued_mail_app):
        messages = slow_smtp.wait_for(1)
    [(recipients, raw)] = messages
    assert recipients == [user.email]
    link = re.search(r"http://contrib\.test(/mot-de-passe/\S+)", decoded(raw)).group(1)
    assert client.post(link, data={"password": "un-nouveau-mot-de-passe"}).status_code == 302


def test_known_and_unknown_addresses_answer_alike_and_fast(queued_mail_app, slow_smtp):
    user = Factory().user()
    client = queued_mail_app.test_client()

    known, known_elapsed = _timed_post(client, "/mot-de-passe-oublie", {"email": user.email})
    unknown, unknown_elapsed = _timed_post(client, "/mot-de-passe-oublie", {"email": "personne@exemple.fr"})

    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert known_elapsed < 1 and unknown_elapsed < 1
    assert tasks.queue(queued_mail_app).pending_count() == 1  # control: only the real account gets a mail


def test_comment_notification_mail_is_queued_not_sent_in_the_request(queued_mail_app, slow_smtp):
    factory = Factory()
    author = factory.user()
    contribution = factory.contribution(factory.process(), author_id=author.id)

    started = time.perf_counter()
    comments.post_comment(contribution.id, "Bonne idée, à creuser.", author=factory.user())
    assert time.perf_counter() - started < 1
    assert slow_smtp.messages == []

    with running_worker(queued_mail_app):
        [(recipients, raw)] = slow_smtp.wait_for(1)
    assert recipients == [author.email]
    assert f"http://contrib.test/contributions/{contribution.id}" in decoded(raw)

"""Redis for real: a throwaway ``redis-server`` carries the task queue (a ``flask worker`` process consumes
what the web app queued) and the rate-limit counters (shared by two app processes)."""

from __future__ import annotations

import subprocess
import sys
import time

import redis

from contrib import tasks
from contrib.clustering import runs
from contrib.extensions import db
from contrib.models import ClusteringRun, Role, RunStatus
from tests.clustering.clustering_data import TOPICS
from tests.conftest import ROOT, make_app
from tests.platform.test_faults_killed_worker import worker_process


def test_a_worker_process_runs_the_tasks_queued_on_redis(app, factory, redis_url):
    redis_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], TASK_QUEUE=redis_url)
    process = factory.process(slug="redis")
    for texts in TOPICS.values():
        for text in texts:
            factory.contribution(process, text=text)
    moderator = factory.user(Role.MODERATOR)
    with redis_app.app_context():
        run_id = runs.launch_run(process.id, actor=db.session.get(type(moderator), moderator.id)).id
        assert tasks.queue(redis_app).pending_count() == 1, "the run waits in Redis"
    with redis.Redis.from_url(redis_url) as connection:
        assert connection.keys("*contrib*"), "huey's queue lives in this Redis"

    with worker_process(redis_app):
        deadline = time.monotonic() + 120
        while (status := _status(run_id)) in (RunStatus.QUEUED, RunStatus.RUNNING):
            assert time.monotonic() < deadline, f"run still {status}"
            time.sleep(0.1)
    assert status == RunStatus.DONE
    with redis_app.app_context():
        assert tasks.queue(redis_app).pending_count() == 0


def _status(run_id: int) -> RunStatus:
    db.session.expire_all()
    return db.session.get(ClusteringRun, run_id).status


# One app process: builds the app with these limit counters and answers ``n`` wrong passwords for one account.
WRONG_PASSWORDS = """
import sys
from tests.conftest import make_app
database, storage, queue, email, n = sys.argv[1:]
app = make_app(database, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, TASK_QUEUE=queue)
client = app.test_client()
print(*(client.post("/connexion", data={"email": email, "password": "mauvais"}).status_code for _ in range(int(n))))
"""


def _wrong_passwords(app, storage: str, email: str, n: int, queue: str) -> list[int]:
    db.session.commit()
    result = subprocess.run(
        [sys.executable, "-c", WRONG_PASSWORDS, app.config["SQLALCHEMY_DATABASE_URI"], storage, queue, email, str(n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [int(status) for status in result.stdout.split()]


def test_the_login_failure_limit_is_shared_between_app_processes_through_redis(app, factory, redis_url, tmp_path):
    email = factory.user().email
    queue = f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    assert _wrong_passwords_here(_limited_app(app, redis_url, queue), email, FAILURES) == [400] * FAILURES

    db.session.commit()
    other_process = subprocess.run(
        [sys.executable, "-c", WRONG_PASSWORDS, app.config["SQLALCHEMY_DATABASE_URI"], queue, email, redis_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other_process.returncode == 0, other_process.stderr[-3000:]
    # With Redis, the other process sees this one's failures; control: with counters in its own memory, it
    # starts from zero (so the refusal is not some state kept in the database).
    assert other_process.stdout.split() == ["429", "400"]
    with redis.Redis.from_url(redis_url) as connection:
        assert connection.keys("LIMITS:*"), "the counters are in Redis"


FAILURES = 3


def _limited_app(app, storage: str, queue: str):
    return make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        TASK_QUEUE=queue,
        LOGIN_FAILURES_PER_ACCOUNT=f"{FAILURES} per 15 minutes",
    )


def _wrong_passwords_here(limited_app, email: str, n: int) -> list[int]:
    client = limited_app.test_client()
    return [client.post("/connexion", data={"email": email, "password": "mauvais"}).status_code for _ in range(n)]


# The other app process: one more wrong password with counters in Redis, then with its own memory.
WRONG_PASSWORDS = f"""
import sys
from tests.conftest import make_app
database, queue, email, redis_url = sys.argv[1:]
for storage in (redis_url, "memory://"):
    app = make_app(database, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, TASK_QUEUE=queue,
                   LOGIN_FAILURES_PER_ACCOUNT="{FAILURES} per 15 minutes")
    print(app.test_client().post("/connexion", data={{"email": email, "password": "mauvais"}}).status_code)
"""

"""Shared fixtures: a migrated database (SQLite or PostgreSQL), an app per test, helpers.

CONTRIB_TEST_DB selects the database: ``sqlite`` (default) or ``postgresql``. For PostgreSQL the
suite uses CONTRIB_TEST_PG_URL (a server started by ``python -m tools.pgserver``) or starts its own
throwaway server. Tests that need Redis start a throwaway ``redis-server`` (``redis_url``). With CI=true
a missing PostgreSQL, Redis or browser fails the run instead of skipping.
"""

from __future__ import annotations

import contextvars
import gc
import os
import re
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient
from werkzeug.routing.rules import Rule
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.models import (  # noqa: E402
    ActorType,
    Contribution,
    ContributionKind,
    Process,
    Role,
    Theme,
    User,
)
from contrib.models.base import utcnow  # noqa: E402
from contrib.models.processes import DEFAULT_THEMES  # noqa: E402
from contrib.participation import search, similar  # noqa: E402


def _memoise_url_builders() -> None:
    """Every test builds a fresh app, and werkzeug compiles two URL builders per route with ``ast`` and
    ``compile`` each time: 80 % of an app's creation, 0.2 s per test. The generated code depends only
    on the rule's text, parts and defaults, and reaches the converters through the rule it is bound
    to, so a builder compiled once serves every app's identical rule."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def memoised(self: Rule, append_unknown: bool = True):
        key = (
            self.rule,
            self.host,
            self.subdomain,
            append_unknown,
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple(sorted((name, type(converter).__qualname__) for name, converter in self._converters.items())),
        )
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = memoised


_memoise_url_builders()


IN_CI = os.environ.get("CI", "").lower() == "true"
DATABASE_KIND = os.environ.get("CONTRIB_TEST_DB", "sqlite")
PASSWORD = "mot-de-passe-solide"
# The test users' stored hash uses one cheap PBKDF2 round: every login of the suite checks it, and the
# default scrypt cost (about 0.1 s a check) added minutes per pass. The app still hashes what people
# choose with its default method (tests/accounts/test_auth.py checks that).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def unavailable(reason: str):
    """Fail in CI, skip elsewhere: CI must never silently skip PostgreSQL or the browser."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must run)", pytrace=False)
    pytest.skip(reason)


def _shared_data_dir() -> Path:
    """``../shared/data`` next to the checkout (CONTRIB_SHARED_DATA overrides it); in a git worktree,
    next to the main checkout the worktree belongs to."""
    if os.environ.get("CONTRIB_SHARED_DATA"):
        return Path(os.environ["CONTRIB_SHARED_DATA"])
    candidates = [ROOT.parent / "shared" / "data"]
    git_file = ROOT / ".git"
    if git_file.is_file():  # "gitdir: <main checkout>/.git/worktrees/<name>"
        git_dir = Path(git_file.read_text(encoding="utf-8").partition(":")[2].strip())
        candidates.append(git_dir.parents[2].parent / "shared" / "data")
    return next((path for path in candidates if path.is_dir()), candidates[0])


SHARED_DATA = _shared_data_dir()


def shared_data(name: str) -> Path:
    """The path of a ``../shared/data`` file; a missing file fails in CI and skips elsewhere."""
    path = SHARED_DATA / name
    if not path.is_file():
        unavailable(f"shared data not found: {path} (set CONTRIB_SHARED_DATA to its folder)")
    return path


def pytest_report_header(config):
    return f"contrib database: {DATABASE_KIND}; shared data: {SHARED_DATA}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    if DATABASE_KIND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    from tools.pgserver import PostgresServer, PostgresUnavailable, create_database

    server = None
    admin_url = os.environ.get("CONTRIB_TEST_PG_URL")
    if not admin_url:
        try:
            server = PostgresServer().start()
        except PostgresUnavailable as error:
            unavailable(str(error))
        admin_url = server.admin_url
    yield create_database(admin_url, f"contrib_test_{worker_id}")
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway ``redis-server`` for this test process (missing: a failure in CI, a skip elsewhere)."""
    from tools.redisserver import RedisServer, RedisUnavailable

    try:
        server = RedisServer().start()
    except RedisUnavailable as error:
        unavailable(str(error))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The ``redis://`` URL of an emptied Redis database: task queues and limit counters start from nothing."""
    import redis

    with redis.Redis.from_url(redis_server.url) as connection:
        connection.flushdb()
    return redis_server.url


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory):
    """Apply the Alembic migrations once per session: the schema under test is the real one."""
    from flask_migrate import upgrade

    queue = tmp_path_factory.mktemp("migration-queue") / "tasks.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test",
            "TASK_QUEUE": f"sqlite:///{queue}",
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_all_tables():
    """Delete every row, children first, and restart the id sequences (ids are reused, as on SQLite).

    DELETE, not TRUNCATE: on tables this small, TRUNCATE of every table cost 0.15 s per test on
    PostgreSQL against 0.03 s.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            db.text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
        )
    db.session.commit()


class _InContext:
    """A WSGI response body iterated inside the context its request ran in (streamed bodies)."""

    def __init__(self, context: contextvars.Context, body):
        self._context, self._body, self._iterator = context, body, iter(body)

    def __iter__(self):
        return self

    def __next__(self):
        return self._context.run(next, self._iterator)

    def close(self):
        if hasattr(self._body, "close"):
            self._context.run(self._body.close)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own, empty context, as under a real server.

    The test itself holds an app context (to query the database); without this, Flask would reuse
    it for each request, so ``g``, the per-request database session and the CSRF token would carry
    over from one request to the next and ``teardown_appcontext`` would never run. Afterwards the
    test's own session is expired, so it reads what the request committed, as a fresh query would.
    """

    def run_wsgi_app(self, environ, buffered=False):
        context = contextvars.Context()
        body, status, headers = context.run(super().run_wsgi_app, environ, buffered)
        if flask.has_app_context():
            db.session.expire_all()
        return _InContext(context, body), status, headers


def clear_process_caches() -> None:
    """Forget what this process cached from the database: the next test's rows reuse the same ids.

    The similar-contributions index and the planner's estimates kept by searches are the only such
    caches; the other memoised functions (cell matching in imports, word stems, the sentence encoder)
    depend on constants, not on rows.
    """
    similar.forget()
    search._estimates.forget()


_apps_made: list[flask.Flask] = []


def make_app(database_url: str, **overrides):
    """An app for one test; its database connections are closed when the test ends."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def _close_connections_of_apps_made():
    """Close the pooled connections of every app a test made, after the test's other teardowns.

    Otherwise each app's pool keeps its idle connections until the garbage collector frees the app:
    on a slow machine the PostgreSQL pass reached the server's 200 connections ("too many clients").
    """
    yield
    while _apps_made:
        with _apps_made.pop().app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app_config() -> dict:
    """Settings a test module adds to the shared ``app`` (none here): a module overrides this fixture to
    return them, e.g. ``{"PAGE_CACHE_SECONDS": 0}``."""
    return {}


@pytest.fixture
def app(migrated_database, tmp_path, app_config):
    """A fresh app on the migrated database, emptied after the test. CSRF off: see csrf tests.

    Its task queue is a throwaway SQLite file: queued tasks run only if a test starts a consumer. A
    module's ``app_config`` fixture adds or replaces settings.
    """
    app = make_app(
        migrated_database,
        **{
            "TASK_QUEUE": f"sqlite:///{tmp_path / 'tasks.sqlite3'}",
            "EXPORT_CACHE_DIR": str(tmp_path / "exports"),
            **app_config,
        },
    )
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        clear_process_caches()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    """Small data builders with keyword overrides (CTFd style)."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role: Role = Role.PARTICIPANT, **overrides) -> User:
        n = self._next()
        # Confirmed and a month old by default: their supports, reports and votes count.
        values = {
            "email": f"{role.value}{n}@exemple.fr",
            "display_name": f"{role.label} {n}",
            "password_hash": PASSWORD_HASH,
            "role": role,
            "actor_type": ActorType.TRAINER,
            "created_at": utcnow() - timedelta(days=30),
            "email_confirmed_at": utcnow(),
        }
        values.update(overrides)
        user = User(**values)
        db.session.add(user)
        db.session.commit()
        return user

    def process(self, **overrides) -> Process:
        n = self._next()
        values = {"slug": f"demarche-{n}", "title": f"Démarche {n}", "is_open": True}
        values.update(overrides)
        process = Process(**values)
        process.themes = [Theme(name=name, position=i) for i, name in enumerate(DEFAULT_THEMES)]
        db.session.add(process)
        db.session.commit()
        return process

    def contribution(self, process: Process, **overrides) -> Contribution:
        values = {
            "process_id": process.id,
            "theme_id": process.themes[0].id,
            "kind": ContributionKind.IDEA,
            "text": f"Contribution {self._next()}",
        }
        values.update(overrides)
        contribution = Contribution(**values)
        db.session.add(contribution)
        process.n_contributions += 1
        db.session.commit()
        return contribution

    def retained_proposal(
        self, process: Process, theme: Theme, title: str, moderator: User, text: str = "Un texte de proposition."
    ):
        """A proposal from one new contribution of ``theme``, retained (what a plaidoyer places)."""
        from contrib.models import ProposalStatus
        from contrib.proposals import services as proposals

        contribution = self.contribution(process, theme_id=theme.id)
        proposal = proposals.create_from_contributions(
            process.id, [contribution.id], title, text, [theme.id], "high", moderator=moderator
        )
        proposal.status = ProposalStatus.RETAINED
        db.session.commit()
        return proposal


@pytest.fixture
def factory(app):
    return Factory()


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        response = self.client.post("/connexion", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.text
        return response

    def logout(self):
        return self.client.post("/deconnexion")


@pytest.fixture
def auth(client):
    return AuthActions(client)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """Return the CSRF token a page's form carries."""
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def pytest_collection_modifyitems(config, items):
    """nlp/ tests are pure: mark them so the PostgreSQL pass skips them. Tests of PostgreSQL's own structures
    (``postgresql_only``) are deselected in the SQLite pass: not skipped, so CI's no-skip rule holds."""
    for item in items:
        if "/tests/nlp/" in str(item.path):
            item.add_marker(pytest.mark.nodb)
    if DATABASE_KIND != "postgresql":
        deselected = [item for item in items if item.get_closest_marker("postgresql_only")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]


def finished_pdf(plaidoyer_id: int, version_id: int | None = None):
    """A finished plaidoyer PDF stored as data (no worker), for tests that walk every route."""
    from contrib.models import PlaidoyerPdf, RunStatus

    data = b"%PDF-1.7\n% stored as data\n%%EOF\n"
    pdf = PlaidoyerPdf(
        plaidoyer_id=plaidoyer_id,
        version_id=version_id,
        status=RunStatus.DONE,
        progress=100,
        progress_message="PDF prêt.",
        content=data,
        n_bytes=len(data),
    )
    db.session.add(pdf)
    db.session.commit()
    return pdf


def finished_run(process: Process, clusters: dict[str, list[Contribution]]):
    """A finished clustering run of ``process`` stored as data (no worker): ``{key: members}``."""
    from contrib.models import Cluster, ClusteringRun, ClusterMembership, RunStatus

    run = ClusteringRun(process_id=process.id, status=RunStatus.DONE, progress=100, parameters={}, scores={})
    db.session.add(run)
    db.session.flush()
    for key, members in clusters.items():
        cluster = Cluster(
            run_id=run.id,
            key=key,
            label=key,
            top_terms=[],
            size=len(members),
            representative_ids=[member.id for member in members],
            theme_mix=[],
            support_total=0,
        )
        db.session.add(cluster)
        db.session.flush()
        db.session.add_all(
            ClusterMembership(run_id=run.id, contribution_id=member.id, cluster_id=cluster.id, x=0.5, y=0.5)
            for member in members
        )
    db.session.commit()
    return run


@contextmanager
def running_worker(app):
    """A real huey consumer for ``app`` (one thread) while the block runs; its signal handlers are put
    back afterwards."""
    import signal

    from contrib import tasks

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = tasks.create_consumer(app, workers=1, max_delay=0.2)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def poll_with_worker(app, client, status_url: str, timeout: float = 120) -> dict:
    """Run a real huey consumer until ``status_url``'s JSON says the job is no longer active; return
    that last state."""
    with running_worker(app):
        deadline = time.monotonic() + timeout
        state = client.get(status_url).get_json()
        while state["is_active"] and time.monotonic() < deadline:
            time.sleep(0.2)
            state = client.get(status_url).get_json()
    return state


def timed(call):
    """The call's result and the CPU seconds it cost this thread (the test client runs the request in it).

    Not the process's CPU time: threads left running by earlier tests of the same worker (an index
    built in the background, a queue consumer) were counted with it. A collection owed by earlier
    tests is paid before the clock starts."""
    gc.collect()
    start = time.thread_time()
    result = call()
    return result, time.thread_time() - start

"""A live server on a free loopback port and Debian's Chromium driven by Playwright."""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from contrib.extensions import db
from tests.conftest import _empty_all_tables, clear_process_caches, make_app, running_worker, unavailable

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Mark the tests of this folder ``browser``; the hook sees the whole session's items."""
    for item in items:
        if BROWSER_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_app(migrated_database, tmp_path):
    """The real app (CSRF on) served over HTTP in a thread; tables emptied afterwards."""
    app = make_app(migrated_database, WTF_CSRF_ENABLED=True, TASK_QUEUE=f"sqlite:///{tmp_path / 'tasks.sqlite3'}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    with app.app_context():
        _empty_all_tables()
        clear_process_caches()
        db.session.remove()


@pytest.fixture
def task_worker(live_app):
    """A real huey consumer for the live app (one thread), stopped after the test."""
    with running_worker(live_app) as consumer:
        yield consumer


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which(executable):
        unavailable("Debian's chromium is not installed (make system-deps)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

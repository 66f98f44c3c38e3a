"""PostgreSQL restarted under load: requests during the restart get a clear 503, then the same app recovers."""

import threading
import time

import pytest

from contrib.extensions import db
from contrib.services.processes import ProcessData, create_process
from tests.conftest import make_app, unavailable

pytestmark = pytest.mark.nodb  # it starts its own server: run it once, not once per database pass


def _wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_app_recovers_after_a_postgresql_restart_under_load():
    from flask_migrate import upgrade

    from tools.pgserver import PostgresServer, PostgresUnavailable, create_database

    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        unavailable(str(error))
    try:
        app = make_app(create_database(server.admin_url, "contrib_restart"))
        with app.app_context():
            upgrade()
            create_process(ProcessData(title="Rencontre de Lyon"), actor=None, slug="lyon")
        statuses: list[int] = []
        stop = threading.Event()

        def reader():
            client = app.test_client()
            while not stop.is_set():
                statuses.append(client.get("/demarches/lyon").status_code)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        _wait_until(lambda: len(statuses) >= 5)
        served_before = len(statuses)
        server.restart()
        _wait_until(lambda: 200 in statuses[served_before:] and len(statuses) > served_before + 20)
        stop.set()
        for thread in threads:
            thread.join()
        assert set(statuses) <= {200, 503}, f"unexpected statuses: {sorted(set(statuses))}"
        assert app.test_client().get("/demarches/lyon").status_code == 200, "the same app works again"
        with app.app_context():
            db.engine.dispose()
    finally:
        server.stop()

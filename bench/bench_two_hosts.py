"""Two hosts, one platform: timings of what tests/platform/test_two_hosts.py checks.

Starts a throwaway PostgreSQL and Redis, two gunicorn hosts (gunicorn.conf.py, 2 workers each) and two queue
workers (``tools.hosts.Platform``), loads N contributions, then measures over HTTP: the platform's start, a
clustering run launched on host A until host B shows it done, a text posted on B until A suggests it while
someone types, a contribution hidden on B until A stops suggesting it, and after host A and worker 1 are
killed, a second run launched on B until done.

    .venv/bin/python bench/bench_two_hosts.py [--rows 2000]
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.facilitation.bulk import BulkRow, load_rows  # noqa: E402
from contrib.models import Contribution, Role  # noqa: E402
from tests.conftest import Factory  # noqa: E402
from tests.platform.test_faults_killed_worker import _texts  # noqa: E402
from tests.platform.test_two_hosts import (  # noqa: E402
    POSTED,
    SLUG,
    csrf,
    launch,
    logged_in,
    suggestions,
    wait_for_run,
)
from tools.hosts import Platform, kill  # noqa: E402
from tools.pgserver import PostgresServer, create_database, free_port  # noqa: E402
from tools.redisserver import RedisServer  # noqa: E402


def prepare(database_url: str, n_rows: int) -> tuple[str, str, int]:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        factory = Factory()
        process = factory.process(slug=SLUG)
        load_rows(process.id, [BulkRow(theme=process.themes[0].name, text=text) for text in _texts(n_rows)])
        return factory.user(Role.MODERATOR).email, factory.user().email, process.themes[0].id


def posted_id(database_url: str) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        return db.session.scalar(db.select(Contribution.id).where(Contribution.text == POSTED))


def until(condition, timeout: float = 60) -> float:
    """Seconds until ``condition()`` is true (polled as fast as it answers)."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise RuntimeError("timed out")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers it started (finally blocks)
    pg, redis_server = PostgresServer().start(), RedisServer().start()
    figures = []
    try:
        database_url = create_database(pg.admin_url, "bench_two_hosts")
        moderator_email, participant_email, theme_id = prepare(database_url, args.rows)
        start = time.perf_counter()
        with Platform(database_url, redis_server.url, (free_port(), free_port())) as platform:
            platform.wait(timeout=600)
            figures.append(("two hosts and two workers serving", time.perf_counter() - start))
            url_a, url_b = platform.urls
            moderator = logged_in(url_a, moderator_email)
            start = time.perf_counter()
            run_id = launch(moderator, url_a)
            assert wait_for_run(moderator, url_b, run_id, timeout=1200)[-1]["status"] == "done"
            figures.append(
                (f"clustering run of {args.rows} launched on A, done as seen from B", time.perf_counter() - start)
            )

            participant = logged_in(url_a, participant_email)
            for _ in range(4):
                suggestions(participant, url_a)  # A's workers have their index
            form = participant.get(f"{url_b}/demarches/{SLUG}/contribuer").text
            data = {"csrf_token": csrf(form), "theme_id": str(theme_id), "kind": "idea", "text": POSTED}
            start = time.perf_counter()
            assert participant.post(f"{url_b}/demarches/{SLUG}/contribuer", data={**data, "similar_checked": "1"})
            posted = time.perf_counter() - start
            figures.append(("post on B", posted))
            figures.append(("then suggested on A", until(lambda: suggestions(participant, url_a)[:1] == [POSTED])))

            contribution_id = posted_id(database_url)
            token = csrf(moderator.get(f"{url_b}/contributions/{contribution_id}").text)
            start = time.perf_counter()
            moderator.post(
                f"{url_b}/moderation/contributions/{contribution_id}/masquer",
                data={"csrf_token": token, "reason": "Doublon"},
            )
            figures.append(("hide on B", time.perf_counter() - start))
            figures.append(
                ("then gone from A's suggestions", until(lambda: POSTED not in suggestions(participant, url_a)))
            )

            kill(platform.webs[0])
            kill(platform.workers[0])
            start = time.perf_counter()
            assert httpx.get(f"{url_b}/demarches/{SLUG}", timeout=60).status_code == 200
            figures.append(("host A and worker 1 killed: B's process page", time.perf_counter() - start))
            start = time.perf_counter()
            second = launch(moderator, url_b)
            assert wait_for_run(moderator, url_b, second, timeout=1200)[-1]["status"] == "done"
            figures.append(("second run on B, done by worker 2", time.perf_counter() - start))
    finally:
        redis_server.stop()
        pg.stop()
    for label, seconds in figures:
        print(f"{label:<60} {seconds * 1000:10.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

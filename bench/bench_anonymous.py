"""Anonymous readers: requests/s of a process page served by gunicorn (gunicorn.conf.py, as in production).

The database (SQLite in a temporary folder, or a throwaway PostgreSQL) holds N contributions in one process;
the load generator is ``wrk`` (Debian package) when installed, otherwise threads of this script keeping
connections alive. Every answer must be a 200 with the page. Three measures, one after the other: a minimal
Flask page under the same gunicorn settings (what this machine can do at all, right now), the process page
with the anonymous page cache off (CONTRIB_PAGE_CACHE_SECONDS=0), and with it on (the default).
The target is 400 requests/s on the 2-core development machine (where the minimal page does about 1,100/s);
on a machine busy with other work, compare the page with the minimal one.

    .venv/bin/python bench/bench_anonymous.py [sqlite|postgresql] [--rows 5000] [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_seeding import bench_rows  # noqa: E402
from contrib import create_app  # noqa: E402
from contrib.facilitation.bulk import ensure_process, load_rows  # noqa: E402
from tools.hosts import stop, wait_until_serving  # noqa: E402
from tools.pgserver import PostgresServer, create_database, free_port  # noqa: E402

PAGE = "/demarches/lecture"
TARGET = 400


def prepare(database_url: str, n_rows: int) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        process = ensure_process("lecture", "Consultation lue par le public")
        load_rows(process.id, bench_rows(n_rows))


def minimal_app():
    """The reference: a Flask app answering one short page, nothing else."""
    from flask import Flask

    app = Flask("minimal")
    app.add_url_rule("/sante", "health", lambda: "ok")
    app.add_url_rule(PAGE, "page", lambda: "<!doctype html><title>Consultation lue par le public</title><p>Bonjour")
    return app


def serve(database_url: str, port: int, folder: Path, *, cache_seconds: float | None) -> subprocess.Popen:
    """gunicorn with gunicorn.conf.py serving Contrib, or (``cache_seconds`` None) the minimal app with the
    same worker settings."""
    env = {
        **os.environ,
        "CONTRIB_DATABASE_URL": database_url,
        "CONTRIB_SECRET_KEY": "bench-anonymous",
        "CONTRIB_TASK_QUEUE": f"sqlite:///{folder / 'tasks.sqlite3'}",
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if cache_seconds is None:
        import runpy

        settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        (folder / "empty.conf.py").write_text("")
        command += ["--config", str(folder / "empty.conf.py"), "--worker-class", settings["worker_class"]]
        command += ["--workers", str(settings["workers"]), "--threads", str(settings["threads"])]
        command += ["--preload", "--no-control-socket"]
        command += ["bench.bench_anonymous:minimal_app()"]
    else:
        env["CONTRIB_PAGE_CACHE_SECONDS"] = str(cache_seconds)
        command += ["--config", "gunicorn.conf.py", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", server, timeout=300)
    except RuntimeError:
        stop(server)
        raise
    return server


def with_wrk(url: str, seconds: int, connections: int) -> tuple[float, str]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Non-2xx" not in output and "Socket errors" not in output, output
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), output


def with_threads(port: int, seconds: int, connections: int) -> tuple[float, str]:
    counts = [0] * connections
    until = time.monotonic() + seconds

    def read(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < until:
            connection.request("GET", PAGE)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200 and b"Consultation lue par le public" in body, response.status
            counts[slot] += 1

    threads = [threading.Thread(target=read, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds, f"{sum(counts)} requests by {connections} threads of this script"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers it started (finally blocks)
    folder = Path(tempfile.mkdtemp(prefix="contrib-bench-anonymous-"))
    pg = None
    try:
        if args.database == "postgresql":
            pg = PostgresServer().start()
            database_url = create_database(pg.admin_url, "bench_anonymous")
        else:
            database_url = f"sqlite:///{folder / 'contrib.sqlite3'}"
        prepare(database_url, args.rows)
        rates = {}
        for label, cache_seconds in (("minimal Flask page", None), ("cache off", 0), ("cache on", 5)):
            port = free_port()
            server = serve(database_url, port, folder, cache_seconds=cache_seconds)
            try:
                url = f"http://127.0.0.1:{port}{PAGE}"
                page = httpx.get(url, timeout=10)
                assert page.status_code == 200 and "Consultation lue par le public" in page.text
                if shutil.which("wrk"):
                    rates[label], details = with_wrk(url, args.seconds, args.connections)
                else:
                    rates[label], details = with_threads(port, args.seconds, args.connections)
            finally:
                stop(server)
            print(f"== {label}\n{details.strip()}", flush=True)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)
    rate = rates["cache on"]
    print(
        f"anonymous process page ({args.database}, {args.rows} contributions, {args.connections} connections): "
        f"minimal Flask page {rates['minimal Flask page']:.0f}/s, cache off {rates['cache off']:.0f}/s, "
        f"cache on {rate:.0f} requests/s (target ≥ {TARGET}) {'OK' if rate >= TARGET else 'BELOW TARGET'}"
    )
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

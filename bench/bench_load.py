"""Load: 100 concurrent users posting, supporting and reading for 60 s against gunicorn.

The database holds N contributions (default 100,000, real consultation texts cycled) in one process.
Each virtual user logs in through the real form (CSRF token, session cookie), then loops over a
weighted mix: process page, a page further on, a contribution page, the home page, the similar
contributions asked for while typing an idea, a support toggle, a new contribution, with 1–5 s
between two requests (people read and type; ``--think`` changes it, e.g. ``--think 0.05 0.3`` for a
stress run). Loopback only; rate limits are off because every user shares one address; gunicorn runs
with gunicorn.conf.py, as in production; users arrive over the first 10 s. Prints requests/s,
p50/p95/p99 per kind of request as the users see them and as gunicorn spent them (its access log),
the CPU each side used, errors, and checks that every accepted contribution is a new row (nothing
lost) and that no 5xx occurred.

    .venv/bin/python bench/bench_load.py [sqlite|postgresql|both] [--users 100] [--seconds 60] [--rows 100000]
                                         [--think MIN MAX]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_seeding import bench_rows  # noqa: E402
from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.facilitation.bulk import ensure_process, load_rows  # noqa: E402
from contrib.models import ActorType, Contribution, Role, Theme, User  # noqa: E402
from tools.pgserver import PostgresServer, create_database  # noqa: E402

PASSWORD = "charge-mot-de-passe"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CONTRIBUTION_LINK = re.compile(r'href="/contributions/(\d+)"')
RAMP_UP_SECONDS = 10
MIX = [
    ("process page", 30),
    ("next page", 10),
    ("contribution page", 20),
    ("home", 10),
    ("suggestions", 10),
    ("support", 10),
    ("post", 10),
]
# What people type in the posting form; the page asks for similar contributions as they type.
TYPED = [
    "baisser les impôts sur le revenu",
    "les transports en commun dans les zones rurales",
    "ouvrir les données publiques des collectivités",
    "la transition écologique coûte trop cher aux ménages",
    "simplifier les démarches administratives en ligne",
    "protéger la vie privée sur internet",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(database_url: str, n_rows: int, n_users: int) -> list[int]:
    """Migrate, load the contributions and create the users (cheap password hashes: setup only).

    Returns the process's theme ids, which the virtual users post under."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        process = ensure_process("charge", "Rencontre régionale sous charge")
        start = time.perf_counter()
        load_rows(process.id, bench_rows(n_rows))
        print(f"  {n_rows} contributions loaded in {time.perf_counter() - start:.1f} s")
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add_all(
            User(
                email=f"charge{i}@exemple.fr",
                display_name=f"Participant {i}",
                role=Role.PARTICIPANT,
                actor_type=ActorType.TRAINER,
                password_hash=password_hash,
            )
            for i in range(n_users)
        )
        db.session.commit()
        return db.session.scalars(db.select(Theme.id).where(Theme.process_id == process.id)).all()


def count_contributions(database_url: str) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Contribution.id)))


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    return next(group for group in match.groups() if group)


class Stats:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []
        self.accepted_posts = 0

    def record(self, kind: str, started: float, response: httpx.Response | None, error: str | None = None):
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        if response is not None:
            self.statuses[kind][response.status_code] += 1
        if error:
            self.errors.append(f"{kind}: {error}")


async def virtual_user(
    base_url: str,
    number: int,
    deadline: float,
    stats: Stats,
    rng: random.Random,
    theme_ids: list[int],
    think: tuple[float, float],
) -> None:
    await asyncio.sleep(rng.uniform(0, RAMP_UP_SECONDS))  # people arrive over the first seconds, not at once
    # verify=False: plain HTTP on loopback, and loading the CA bundle costs each client 0.1 s of CPU
    async with httpx.AsyncClient(base_url=base_url, timeout=30, follow_redirects=False, verify=False) as client:
        login_page = await client.get("/connexion")
        response = await client.post(
            "/connexion",
            data={
                "csrf_token": csrf_token(login_page.text),
                "email": f"charge{number}@exemple.fr",
                "password": PASSWORD,
            },
        )
        if response.status_code != 302:
            stats.errors.append(f"login {number}: {response.status_code}")
            return
        seen_ids: list[int] = []
        token = None
        kinds, weights = zip(*MIX)
        while time.perf_counter() < deadline:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                response = await _act(client, kind, seen_ids, token, rng, number, theme_ids)
            except httpx.HTTPError as error:
                stats.record(kind, started, None, repr(error))
                continue
            stats.record(kind, started, response)
            if response.status_code >= 500:
                stats.errors.append(f"{kind}: HTTP {response.status_code}")
            if kind == "post" and response.status_code == 302 and "/contributions/" in response.headers["location"]:
                stats.accepted_posts += 1
            if response.status_code == 200 and "text/html" in response.headers.get("content-type", ""):
                seen_ids = [int(found) for found in CONTRIBUTION_LINK.findall(response.text)][:20] or seen_ids
                if 'name="csrf_token"' in response.text:
                    token = csrf_token(response.text)
            await asyncio.sleep(rng.uniform(*think))  # a person reads and types between requests


async def _act(
    client: httpx.AsyncClient, kind: str, seen_ids: list[int], token: str | None, rng, number: int, theme_ids: list[int]
):
    needs_ids, needs_token = kind not in ("home", "suggestions"), kind in ("support", "post")
    if kind == "process page" or (needs_ids and not seen_ids) or (needs_token and token is None):
        return await client.get("/demarches/charge")
    if kind == "next page":
        return await client.get("/demarches/charge", params={"avant": min(seen_ids)})
    if kind == "contribution page":
        return await client.get(f"/contributions/{rng.choice(seen_ids)}")
    if kind == "home":
        return await client.get("/")
    if kind == "suggestions":
        typed = rng.choice(TYPED)
        return await client.get(
            "/demarches/charge/similaires",
            params={"texte": typed[: rng.randint(20, len(typed))]},
            headers={"Accept": "application/json"},
        )
    if kind == "support":
        return await client.post(f"/contributions/{rng.choice(seen_ids)}/soutien", data={"csrf_token": token})
    return await client.post(
        "/demarches/charge/contribuer",
        data={
            "csrf_token": token,
            "theme_id": str(rng.choice(theme_ids)),
            "kind": "idea",
            "similar_checked": "1",
            "text": f"Sous charge, le participant {number} propose une idée n° {rng.randrange(10**9)}.",
        },
    )


def serve(database_url: str, port: int, args, access_log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "CONTRIB_DATABASE_URL": database_url,
        "CONTRIB_SECRET_KEY": "bench-load",
        "CONTRIB_RATELIMIT_ENABLED": "false",
    }
    sizing = [
        *(["--workers", str(args.workers)] if args.workers else []),
        *(["--threads", str(args.threads)] if args.threads else []),
    ]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            *sizing,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(m)s %(U)s %(q)s %(D)s",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sante", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Per kind of request, the time gunicorn spent on it (ms), read from its access log."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in access_log.read_text().splitlines():
        method, path, query, microseconds = line.split(" ")
        kind = {
            ("GET", "/demarches/charge"): "next page" if "avant=" in query else "process page",
            ("GET", "/"): "home",
            ("GET", "/demarches/charge/similaires"): "suggestions",
            ("POST", "/demarches/charge/contribuer"): "post",
        }.get((method, path))
        if kind is None and path.startswith("/contributions/"):
            kind = "support" if method == "POST" else "contribution page"
        if kind:
            times[kind].append(int(microseconds) / 1000)
    return times


def _quantiles(samples: list[float]) -> tuple[float, float, float]:
    samples = sorted(samples)
    return tuple(samples[min(len(samples) - 1, int(q * len(samples)))] for q in (0.5, 0.95, 0.99))


def report(
    label: str, stats: Stats, seconds: float, rows_added: int, server: dict[str, list[float]], cpu: tuple[float, float]
) -> None:
    total = sum(len(samples) for samples in stats.latencies.values())
    print(
        f"[{label}] {total} requests in {seconds:.0f} s = {total / seconds:.0f} requests/s; CPU used: "
        f"gunicorn {cpu[0]:.0f} s, load generator {cpu[1]:.0f} s (2 cores = {2 * seconds:.0f} s)"
    )
    print(f"  {'':<18} {'':>7}  {'seen by the user (ms)':^27}  {'time in gunicorn (ms)':^27}")
    print(f"  {'':<18} {'':>7}  {'p50':>7} {'p95':>9} {'p99':>9}  {'p50':>7} {'p95':>9} {'p99':>9}")
    for kind, _ in MIX:
        if not stats.latencies.get(kind):
            continue
        client = _quantiles(stats.latencies[kind])
        inside = _quantiles(server[kind]) if server.get(kind) else (float("nan"),) * 3
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(stats.statuses[kind].items()))
        print(
            f"  {kind:<18} n={len(stats.latencies[kind]):>5}  {client[0]:7.1f} {client[1]:9.1f} {client[2]:9.1f}  "
            f"{inside[0]:7.1f} {inside[1]:9.1f} {inside[2]:9.1f}  ({codes})"
        )
    n_5xx = sum(n for codes in stats.statuses.values() for code, n in codes.items() if code >= 500)
    print(f"  errors: {len(stats.errors)} ({n_5xx} × 5xx){' — ' + stats.errors[0] if stats.errors else ''}")
    print(
        f"  accepted contributions {stats.accepted_posts}, new rows {rows_added}: "
        f"{'nothing lost' if rows_added == stats.accepted_posts else 'MISMATCH'}"
    )


def run(label: str, database_url: str, args) -> None:
    theme_ids = prepare(database_url, args.rows, args.users)
    before = count_contributions(database_url)
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        access_log = Path(directory) / "access.log"
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = serve(database_url, port, args, access_log)
        try:
            stats = Stats()
            rng = random.Random(0)
            self_before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            deadline = started + args.seconds

            async def everyone():
                await asyncio.gather(
                    *(
                        virtual_user(
                            f"http://127.0.0.1:{port}",
                            i,
                            deadline,
                            stats,
                            random.Random(rng.random()),
                            theme_ids,
                            tuple(args.think),
                        )
                        for i in range(args.users)
                    )
                )

            asyncio.run(everyone())
            elapsed = time.perf_counter() - started
            client_cpu = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF), self_before)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        server_cpu = _cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN), children_before)
        report(
            label,
            stats,
            elapsed,
            count_contributions(database_url) - before,
            server_times(access_log),
            (server_cpu, client_cpu),
        )


def _cpu_seconds(after, before) -> float:
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: gunicorn.conf.py's)")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=[1.0, 5.0],
        metavar=("MIN", "MAX"),
        help="seconds a person spends between two requests (uniform); 0.05 0.3 for a stress run",
    )
    args = parser.parse_args()
    print(
        f"{args.users} users for {args.seconds:.0f} s, {args.think[0]}–{args.think[1]} s between requests, "
        f"{args.rows} contributions, gunicorn.conf.py"
        f"{f' with {args.workers} workers' if args.workers else ''}"
        f"{f' × {args.threads} threads' if args.threads else ''}"
    )
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as directory:
            run("SQLite (WAL)", f"sqlite:///{directory}/load.sqlite3", args)
    if args.database in ("postgresql", "both"):
        server = PostgresServer().start()
        try:
            run("PostgreSQL", create_database(server.admin_url, "contrib_load"), args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()

"""A throwaway PostgreSQL server for tests and benchmarks.

Runs initdb + pg_ctl in a temporary folder on a free loopback port. PostgreSQL refuses to run as
root, so when we are root the server runs as the ``postgres`` system user on a folder it owns.

    python -m tools.pgserver -- COMMAND...   # start, run COMMAND with CONTRIB_TEST_PG_URL set, stop
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SYSTEM_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the server would not start."""


def find_binary(name: str) -> str:
    """Return the path of a PostgreSQL binary, or raise PostgresUnavailable."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise PostgresUnavailable(f"PostgreSQL binary {name!r} not found (apt-get install postgresql)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with ``start()``, stop with ``stop()``; ``admin_url`` points at the postgres database."""

    def __init__(self):
        self.port = free_port()
        self.directory: Path | None = None

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", SYSTEM_USER, "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(command)} failed: {result.stderr.strip()[-2000:]}")

    def start(self) -> PostgresServer:
        initdb = find_binary("initdb")
        self.directory = Path(tempfile.mkdtemp(prefix="contrib-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, user=SYSTEM_USER, group=SYSTEM_USER)
        data = self.directory / "data"
        self._run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server on its existing data (after ``pause``)."""
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
        )
        self._run(
            find_binary("pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-o",
            options,
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "start",
        )

    def pause(self) -> None:
        """Stop the server and keep its data, for an outage of any length (fault-tolerance tests)."""
        self._run(find_binary("pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        if self.directory is None:
            return
        try:
            self._run(find_binary("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def create_database(admin_url: str, name: str) -> str:
    """Create (or recreate) a database and return its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python -m tools.pgserver -- COMMAND...", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    server = PostgresServer().start()
    print(f"PostgreSQL de test démarré sur le port {server.port}", flush=True)
    try:
        return subprocess.call(command, env={**os.environ, "CONTRIB_TEST_PG_URL": server.admin_url})
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

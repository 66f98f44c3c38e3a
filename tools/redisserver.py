"""A throwaway Redis server for tests and benchmarks.

Runs Debian's ``redis-server`` on a free loopback port, in memory only (no snapshot, no append-only
file), with its working folder in a temporary directory.

    python -m tools.redisserver -- COMMAND...   # start, run COMMAND with CONTRIB_TEST_REDIS_URL set, stop
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.pgserver import free_port


class RedisUnavailable(RuntimeError):
    """redis-server is missing or would not start."""


class RedisServer:
    """Start with ``start()``, stop with ``stop()``; ``url`` is its ``redis://`` address."""

    def __init__(self):
        self.port = free_port()
        self.directory: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisUnavailable("redis-server not found (apt-get install redis-server)")
        self.directory = Path(tempfile.mkdtemp(prefix="contrib-redis-"))
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RedisUnavailable(f"redis-server did not start: {log}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python -m tools.redisserver -- COMMAND...", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    server = RedisServer().start()
    print(f"Redis de test démarré sur le port {server.port}", flush=True)
    try:
        return subprocess.call(command, env={**os.environ, "CONTRIB_TEST_REDIS_URL": server.url})
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

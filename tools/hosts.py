"""Several Contrib hosts on one machine, for the two-host test and benchmark: gunicorn instances started
from gunicorn.conf.py and ``flask worker`` consumers, each in a process group of its own (so a host can
be killed whole, master and workers, as when a machine goes down)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def platform_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """What every host and worker of one platform shares: database, Redis (queue and limits), secret key."""
    return {
        **os.environ,
        "CONTRIB_DATABASE_URL": database_url,
        "CONTRIB_TASK_QUEUE": redis_url,
        "CONTRIB_RATELIMIT_STORAGE_URI": redis_url,
        "CONTRIB_SECRET_KEY": "one-platform-several-hosts",
        **extra,
    }


def start_web(env: dict[str, str], port: int, *, workers: int = 2, threads: int = 2) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
    command += ["--log-level", "warning", "wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def start_worker(env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """A ``flask worker`` consumer; its log (huey writes "Executing <task>" as it starts one) to ``log``."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"]
    with open(log or os.devnull, "ab") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=output
        )


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/sante", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not serving after {timeout} s")
        time.sleep(0.1)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL to the process and everything it started (a host going down, no goodbye)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    kill(process)


def stop_all(processes: list[subprocess.Popen], timeout: float = 30) -> None:
    """Stop every process at once (each given ``timeout`` to finish, together), then kill what is left."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        kill(process)


class Platform(ExitStack):
    """Two web hosts (A, B) and two queue workers on one database and one Redis; all stopped on exit."""

    def __init__(
        self, database_url: str, redis_url: str, ports: tuple[int, int], *, log_dir: Path | None = None, **extra: str
    ):
        super().__init__()
        env = platform_environment(database_url, redis_url, **extra)
        self.webs = [start_web(env, port) for port in ports]
        self.worker_logs = [log_dir / f"worker-{n}.log" if log_dir else None for n in (1, 2)]
        self.workers = [start_worker(env, log) for log in self.worker_logs]
        self.callback(stop_all, [*self.webs, *self.workers])
        self.urls = [f"http://127.0.0.1:{port}" for port in ports]

    def wait(self, timeout: float = 180) -> Platform:
        for url, web in zip(self.urls, self.webs):
            wait_until_serving(url, web, timeout)
        return self

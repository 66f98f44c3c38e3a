"""``make run``: gunicorn (with gunicorn.conf.py, as in production) and the task-queue worker, stopped together.

    python -m tools.serve      # serves on CONTRIB_BIND (127.0.0.1:5000 here); Ctrl+C stops both

Both run in process groups of their own, so a Ctrl+C reaches them once, through this launcher: it asks
both to stop, waits for them, and kills what is still there after ``STOP_SECONDS``. When one of them
exits on its own, the other is stopped too and the launcher fails, so nothing half-served stays behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 30


def commands() -> list[list[str]]:
    """The web server's and the worker's command lines."""
    bin_dir = Path(sys.executable).parent
    return [
        [str(bin_dir / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
    ]


def stop(children: list[subprocess.Popen]) -> None:
    """SIGINT to each child still running (quick shutdown for gunicorn, graceful for huey), then SIGKILL."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main() -> int:
    env = {**os.environ, "CONTRIB_BIND": os.environ.get("CONTRIB_BIND", "127.0.0.1:5000")}
    children: list[subprocess.Popen] = []
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        for command in commands():
            children.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        stop(children)
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())

"""``make run`` serves through gunicorn with its task-queue worker, and Ctrl+C (SIGINT) stops every process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from contrib.clustering import runs
from contrib.extensions import db
from contrib.models import ClusteringRun, Role, RunStatus
from tests.clustering.clustering_data import TOPICS
from tests.conftest import ROOT
from tools.pgserver import free_port

pytestmark = pytest.mark.once  # the launcher serves the embedded default, SQLite


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def test_make_run_serves_with_gunicorn_and_its_worker_until_ctrl_c(app, factory, tmp_path):
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"\$\(PY\) -m tools\.serve$", recipe, re.M), "make run starts this launcher"
    process = factory.process(slug="lancement")
    for texts in TOPICS.values():
        for text in texts:
            factory.contribution(process, text=text)
    moderator = factory.user(Role.MODERATOR)
    port = free_port()
    env = {
        **os.environ,
        "CONTRIB_BIND": f"127.0.0.1:{port}",
        "CONTRIB_WEB_WORKERS": "2",
        "CONTRIB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CONTRIB_TASK_QUEUE": app.config["TASK_QUEUE"],
        "CONTRIB_SECRET_KEY": "serve-test",
    }
    db.session.commit()
    launcher = subprocess.Popen([sys.executable, "-m", "tools.serve"], cwd=ROOT, env=env)
    processes: set[int] = set()
    try:

        def home():
            try:
                return httpx.get(f"http://127.0.0.1:{port}/demarches/lancement", timeout=5)
            except httpx.HTTPError:
                assert launcher.poll() is None, "the launcher stopped"
                return None

        page = wait_for(home, "the site")
        assert page.status_code == 200 and "Mutualiser la préparation des audits Qualiopi" in page.text
        assert page.headers["Server"].startswith("gunicorn"), "not Flask's development server"

        run_id = runs.launch_run(process.id, actor=moderator).id  # queued where the launched worker listens
        db.session.commit()
        wait_for(lambda: _status(run_id) == RunStatus.DONE, "the launched worker to run the clustering")

        processes = descendants(launcher.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in processes]
        assert sum("gunicorn" in command for command in commands) >= 3, "gunicorn's master and two workers"
        assert any("worker" in command and "flask" in command for command in commands)
    finally:
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=90) == 0
    wait_for(lambda: not any(alive(pid) for pid in processes), "every process to stop", timeout=30)
    try:
        httpx.get(f"http://127.0.0.1:{port}/sante", timeout=2)
        raise AssertionError("still served after Ctrl+C")
    except httpx.ConnectError:
        pass


def _status(run_id: int) -> RunStatus:
    db.session.expire_all()
    return db.session.get(ClusteringRun, run_id).status

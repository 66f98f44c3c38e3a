"""The deploy/ files: the systemd units pass ``systemd-analyze verify``, their ExecStart command lines start a
web host and a worker that serve and run tasks with the example environment file's settings, and the nginx
site passes ``nginx -t`` and proxies to that host over HTTPS."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from contrib.clustering import runs
from contrib.extensions import db
from contrib.models import ClusteringRun, Role, RunStatus, User
from tests.clustering.clustering_data import TOPICS
from tests.conftest import ROOT, make_app, unavailable
from tools.hosts import stop, wait_until_serving
from tools.pgserver import free_port

DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/contrib"
UNITS = ("contrib-web.service", "contrib-worker.service")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def here(text: str) -> str:
    """A unit's paths pointed at this checkout and this virtual environment instead of /opt/contrib."""
    return text.replace(f"{INSTALLED}/.venv/bin/", f"{Path(sys.executable).parent}/").replace(INSTALLED, str(ROOT))


def example_environment() -> dict[str, str]:
    settings = {}
    for line in (DEPLOY / "contrib.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            settings[name] = value
    return settings


def test_the_units_run_gunicorn_and_the_worker_from_the_checkout():
    web, worker = unit("contrib-web.service"), unit("contrib-worker.service")
    assert web["Service"]["ExecStart"] == f"{INSTALLED}/.venv/bin/gunicorn --config gunicorn.conf.py wsgi:app"
    assert shlex.split(worker["Service"]["ExecStart"])[:4] == [
        f"{INSTALLED}/.venv/bin/flask",
        "--app",
        "wsgi",
        "worker",
    ]
    for parsed in (web, worker):
        assert parsed["Service"]["WorkingDirectory"] == INSTALLED
        assert parsed["Service"]["EnvironmentFile"] == "/etc/contrib/contrib.env"
        assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_the_example_environment_holds_no_secret():
    settings = example_environment()
    for name in ("CONTRIB_SECRET_KEY", "CONTRIB_SMTP_PASSWORD"):
        assert settings[name] == "CHANGE-ME"
    assert "CHANGE-ME@" in settings["CONTRIB_DATABASE_URL"]
    assert settings["CONTRIB_TASK_QUEUE"].startswith("redis://")
    assert settings["CONTRIB_RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert settings["CONTRIB_PROXY_HOPS"] == "1"


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze not found (Debian's systemd package)")
    (tmp_path / "contrib.env").write_text("CONTRIB_SECRET_KEY=x\n")
    for name in UNITS:
        text = here((DEPLOY / "systemd" / name).read_text()).replace(
            "/etc/contrib/contrib.env", str(tmp_path / "contrib.env")
        )
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)], capture_output=True, text=True
    )
    assert result.returncode == 0 and "contrib" not in result.stderr, result.stderr
    # Control: a mistake in a unit is reported.
    broken = tmp_path / "contrib-broken.service"
    broken.write_text((tmp_path / UNITS[0]).read_text().replace("Type=exec", "Type=sometimes"))
    assert (
        "Failed to parse service type"
        in subprocess.run([analyze, "verify", str(broken)], capture_output=True, text=True).stderr
    )


def _nginx_site(tmp_path: Path, web_port: int, http_port: int, https_port: int) -> Path:
    """The shipped site with this test's ports, a throwaway certificate and the checkout's static files, inside a
    minimal main configuration."""
    certificate, key = tmp_path / "site.pem", tmp_path / "site.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "contrib.conf").read_text()
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace(
        "listen 443", f"listen 127.0.0.1:{https_port}"
    )
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{web_port};")
    site = site.replace("/etc/ssl/certs/contrib.example.org.pem", str(certificate))
    site = site.replace("/etc/ssl/private/contrib.example.org.key", str(key))
    site = site.replace(f"{INSTALLED}/static/", f"{ROOT}/static/")
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"daemon off;\nuser root;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path};\n  proxy_temp_path {tmp_path};\n  include {tmp_path}/site.conf;\n}}\n"
    )
    return main


def test_the_units_command_lines_serve_behind_the_nginx_site(app, factory, redis_url, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        unavailable("nginx not found (apt-get install nginx-light)")
    process = factory.process(slug="deploiement")
    for texts in TOPICS.values():
        for text in texts:
            factory.contribution(process, text=text)
    moderator = factory.user(Role.MODERATOR)
    db.session.commit()
    web_port, http_port, https_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        **example_environment(),
        "CONTRIB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CONTRIB_SECRET_KEY": "deploy-test",
        "CONTRIB_TASK_QUEUE": redis_url,
        "CONTRIB_RATELIMIT_STORAGE_URI": redis_url,
        "CONTRIB_SMTP_HOST": "",
        "CONTRIB_BIND": f"127.0.0.1:{web_port}",
        "CONTRIB_WEB_WORKERS": "2",
    }
    started = []
    try:
        for name in UNITS:
            service = unit(name)["Service"]
            command = shlex.split(here(service["ExecStart"]))
            started.append(
                subprocess.Popen(command, cwd=here(service["WorkingDirectory"]), env=env, start_new_session=True)
            )
        wait_until_serving(f"http://127.0.0.1:{web_port}", started[0])

        main = _nginx_site(tmp_path, web_port, http_port, https_port)
        checked = subprocess.run([nginx, "-t", "-c", str(main)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        started.append(subprocess.Popen([nginx, "-c", str(main)], start_new_session=True))
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False, timeout=30) as browser:
            while True:
                try:
                    page = browser.get("/demarches/deploiement")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline and started[-1].poll() is None, "nginx did not start"
                    time.sleep(0.1)
            assert page.status_code == 200 and "Mutualiser la préparation des audits Qualiopi" in page.text
            assert browser.get("/c/KXWT4R9PMA").status_code == 404  # a ballot card's address: no such card
        access_log = (tmp_path / "access.log").read_text()
        assert "/demarches/deploiement" in access_log  # control: requests are logged
        assert "KXWT4R9PMA" not in access_log, "a card's code is written to the proxy's access log"
        with httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False, timeout=30) as browser:
            assert (
                browser.get("/static/css/" + next(p.name for p in (ROOT / "static/css").iterdir())).status_code == 200
            )
        redirect = httpx.get(f"http://127.0.0.1:{http_port}/demarches/deploiement")
        assert redirect.status_code == 301 and redirect.headers["location"].startswith("https://")

        with make_app(app.config["SQLALCHEMY_DATABASE_URI"], TASK_QUEUE=redis_url).app_context():
            run_id = runs.launch_run(process.id, actor=db.session.get(User, moderator.id)).id  # on the units' queue
        deadline = time.monotonic() + 120
        while _status(run_id) != RunStatus.DONE:
            assert time.monotonic() < deadline and started[1].poll() is None, "the worker unit did not run it"
            time.sleep(0.1)
    finally:
        for child in reversed(started):
            stop(child)


def _status(run_id: int) -> RunStatus:
    db.session.expire_all()
    return db.session.get(ClusteringRun, run_id).status


pytestmark = [pytest.mark.filterwarnings("ignore:Unverified HTTPS request"), pytest.mark.once]

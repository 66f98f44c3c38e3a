"""Settings read from environment variables, with safe defaults.

Every setting is an environment variable prefixed with ``CONTRIB_``. The secret key comes from
``CONTRIB_SECRET_KEY`` or, when absent, from ``instance/secret_key``, generated once and never
committed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def parse_boolean(value: str) -> bool:
    """Return the boolean an environment string spells; raise ValueError on anything else."""
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def load_or_create_secret_key(instance_path: Path) -> str:
    """Read the secret key kept in the instance folder, writing a new random one if missing."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when two workers start at once, only one writes; the other reads its key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def settings_from_environment(instance_path: Path, environ=os.environ, *, secret_key: str | None = None) -> dict:
    """Build the Flask config mapping from the environment (``secret_key`` overrides both sources)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = environ.get("CONTRIB_DATABASE_URL") or f"sqlite:///{instance_path / 'contrib.sqlite3'}"
    secure_cookies = parse_boolean(environ.get("CONTRIB_SECURE_COOKIES", "false"))
    return {
        "SECRET_KEY": secret_key or environ.get("CONTRIB_SECRET_KEY") or load_or_create_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Sheets with at least this many rows are imported on the task queue, with a progress bar.
        "IMPORT_BACKGROUND_ROWS": int(environ.get("CONTRIB_IMPORT_BACKGROUND_ROWS", 2000)),
        # Rows written between two progress reports of a queued import (one transaction all the same).
        "IMPORT_CHUNK_ROWS": max(1, int(environ.get("CONTRIB_IMPORT_CHUNK_ROWS", 1000))),
        "MAX_CONTENT_LENGTH": int(environ.get("CONTRIB_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        "RATELIMIT_STORAGE_URI": environ.get("CONTRIB_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": parse_boolean(environ.get("CONTRIB_RATELIMIT_ENABLED", "true")),
        "CONTRIBUTIONS_PER_PAGE": int(environ.get("CONTRIB_CONTRIBUTIONS_PER_PAGE", 20)),
        # Anonymous readers' pages are kept this long per worker, until the next write anywhere (0: off).
        "PAGE_CACHE_SECONDS": float(environ.get("CONTRIB_PAGE_CACHE_SECONDS", 5)),
        "REPORTS_TO_HIDE": max(1, int(environ.get("CONTRIB_REPORTS_TO_HIDE", 3))),
        # Reports from accounts younger than this never hide content by themselves: moderators decide.
        "REPORTER_MIN_AGE_HOURS": max(0.0, float(environ.get("CONTRIB_REPORTER_MIN_AGE_HOURS", 24))),
        # Accounts created per client address (flask-limiter syntax); a whole event shares one Wi-Fi.
        "REGISTRATION_LIMIT": environ.get("CONTRIB_REGISTRATION_LIMIT", "10 per minute;60 per hour"),
        # Failed logins only: a room of 60 people on one Wi-Fi never reaches the address budget.
        "LOGIN_FAILURES_PER_ACCOUNT": environ.get("CONTRIB_LOGIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": environ.get("CONTRIB_LOGIN_FAILURES_PER_ADDRESS", "100 per 15 minutes"),
        # Trusted reverse proxies in front of the app: the client address is read from X-Forwarded-For.
        "PROXY_HOPS": max(0, int(environ.get("CONTRIB_PROXY_HOPS", 0))),
        "SMTP_HOST": environ.get("CONTRIB_SMTP_HOST", ""),
        "SMTP_PORT": int(environ.get("CONTRIB_SMTP_PORT", 587)),
        "SMTP_USERNAME": environ.get("CONTRIB_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": environ.get("CONTRIB_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": parse_boolean(environ.get("CONTRIB_SMTP_STARTTLS", "true")),
        "MAIL_SENDER": environ.get("CONTRIB_MAIL_SENDER", "Contrib CPOF <ne-pas-repondre@contrib.local>"),
        "PUBLIC_URL": environ.get("CONTRIB_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Open-data exports are kept here, keyed by a version of the data (rebuilt only when it changes).
        "EXPORT_CACHE_DIR": environ.get("CONTRIB_EXPORT_CACHE_DIR") or str(instance_path / "exports"),
        # Background tasks: an SQLite file next to the database by default, redis://... in production.
        "TASK_QUEUE": environ.get("CONTRIB_TASK_QUEUE") or f"sqlite:///{instance_path / 'tasks.sqlite3'}",
        # A job no worker has claimed after this many seconds: its page says the processing service looks
        # stopped (the job stays queued and starts when a worker comes back).
        "JOB_NOT_STARTED_SECONDS": max(1.0, float(environ.get("CONTRIB_JOB_NOT_STARTED_SECONDS", 120))),
        # Synthesis assistant: an OpenAI-compatible endpoint; empty URL = embedded engine only.
        # Summaries and drafts of scopes this large run on the task queue, with a progress bar.
        "ASSISTANT_BACKGROUND_SIZE": int(environ.get("CONTRIB_ASSISTANT_BACKGROUND_SIZE", 1000)),
        "LLM_URL": environ.get("CONTRIB_LLM_URL", "").rstrip("/"),
        "LLM_MODEL": environ.get("CONTRIB_LLM_MODEL", ""),
        "LLM_API_KEY": environ.get("CONTRIB_LLM_API_KEY", ""),
        "LLM_TIMEOUT": float(environ.get("CONTRIB_LLM_TIMEOUT", 20)),
        "LLM_TOTAL_TIMEOUT": float(environ.get("CONTRIB_LLM_TOTAL_TIMEOUT", 90)),
        "LLM_RETRIES": max(0, int(environ.get("CONTRIB_LLM_RETRIES", 1))),
        # Ask the endpoint to confirm each sentence the citation check verified (one request each).
        "LLM_JUDGE": environ.get("CONTRIB_LLM_JUDGE", "false").lower() in ("1", "true", "yes"),
    }


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

"""Settings: secrets never in the repo, garbage refused."""

import subprocess

import pytest

from contrib.config import load_or_create_secret_key, normalise_database_url, parse_boolean, settings_from_environment
from tests.conftest import ROOT


def test_secret_key_is_generated_once(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    assert len(first) == 64
    assert load_or_create_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_secret_wins(tmp_path):
    settings = settings_from_environment(tmp_path, {"CONTRIB_SECRET_KEY": "from-env"})
    assert settings["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'contrib.sqlite3'}"


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("off", False), ("", False)])
def test_parse_boolean(value, expected):
    assert parse_boolean(value) is expected


def test_parse_boolean_refuses_garbage():
    with pytest.raises(ValueError):
        parse_boolean("peut-être")


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_no_secret_file_is_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [path for path in tracked if path.startswith("instance/") or path.endswith(("secret_key", ".env"))]

"""The test harness itself: requests isolated as in production, caches that survive no reset,
markers that select what they say."""

import os
import subprocess
import sys

import pytest
from flask import g
from flask.testing import FlaskClient

from contrib.extensions import db
from contrib.participation import similar
from tests.conftest import ROOT, _empty_all_tables, shared_data


def _remembering_route(app):
    """A route that reports what ``g`` held when it started and which session it used."""
    seen, sessions, torn_down = [], [], []

    @app.get("/_harness/g")
    def remember():
        seen.append(g.get("marker"))
        g.marker = "set by an earlier request"
        sessions.append(db.session())
        return "ok"

    app.teardown_appcontext(lambda _error: torn_down.append(True))
    return seen, sessions, torn_down


def test_each_client_request_gets_a_fresh_context_and_its_teardown(app, client):
    seen, sessions, torn_down = _remembering_route(app)

    assert client.get("/_harness/g").status_code == 200
    assert client.get("/_harness/g").status_code == 200

    assert seen == [None, None]
    assert len(torn_down) == 2
    test_session = db.session()
    assert sessions[0] is not sessions[1] and test_session not in sessions


def test_control_a_plain_flask_client_shares_the_tests_context(app):
    """What the isolated client prevents, shown with Flask's own client: the check above is not vacuous."""
    seen, _sessions, torn_down = _remembering_route(app)
    plain = FlaskClient(app, app.response_class, use_cookies=True)

    plain.get("/_harness/g")
    plain.get("/_harness/g")

    assert seen == [None, "set by an earlier request"]
    assert torn_down == []


def test_similar_index_is_rebuilt_when_ids_are_reused(app, factory):
    """Tables emptied (RESTART IDENTITY on PostgreSQL, id reuse on SQLite) then refilled: the cached
    index of process 1 must not suggest the vanished texts under the new rows' ids."""
    old_text = "Créer un guichet unique pour le financement de la formation des salariés"
    process = factory.process()
    old = [factory.contribution(process, text=old_text), factory.contribution(process, text="Autre sujet sans rapport")]
    assert [c.id for c, _ in similar.find_similar(process.id, old_text)] == [old[0].id]
    old_ids = (process.id, [c.id for c in old])

    db.session.remove()
    _empty_all_tables()
    new_text = "Ouvrir les ateliers de menuiserie aux apprentis le samedi matin"
    process = factory.process()
    new = [factory.contribution(process, text=new_text), factory.contribution(process, text="Des horaires adaptés")]
    assert (process.id, [c.id for c in new]) == old_ids  # the same ids, other rows

    assert similar.find_similar(process.id, old_text) == []
    assert [c.id for c, _ in similar.find_similar(process.id, new_text)] == [new[0].id]  # control


def test_similar_index_is_kept_while_its_rows_stand(app, factory):
    """Control for the fingerprint: unchanged rows keep the cached index; a later post is found."""
    process = factory.process()
    factory.contribution(process, text="Financer les formations des bénévoles associatifs")
    similar.find_similar(process.id, "Financer les formations des bénévoles")
    cached = similar._cache[process.id]

    similar.find_similar(process.id, "Financer les formations des bénévoles")
    assert similar._cache[process.id] is cached

    later = factory.contribution(process, text="Reconnaître les compétences acquises en alternance")
    found = similar.find_similar(process.id, "Reconnaître les compétences acquises")
    assert [c.id for c, _ in found] == [later.id]


# One file of each kind: collecting the whole suite twice cost 20 s.
COLLECTED_SAMPLE = ["tests/platform/test_smoke.py", "tests/nlp/test_stance.py", "tests/browser/test_journeys.py"]


def _collected(marker_expression: str) -> str:
    environment = {**os.environ, "CONTRIB_TEST_DB": "sqlite"}
    command = ["pytest", "--collect-only", "-q", "-p", "no:xdist", "-m", marker_expression, *COLLECTED_SAMPLE]
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.nodb
def test_not_browser_deselects_only_the_browser_tests():
    without_browser = _collected("not browser")
    assert "tests/platform/test_smoke.py" in without_browser
    assert "tests/nlp/" in without_browser
    assert "tests/browser/" not in without_browser

    only_browser = _collected("browser")  # control: the marker is still on the browser tests
    assert "tests/browser/test_journeys.py" in only_browser
    assert "tests/platform/test_smoke.py" not in only_browser


SHARED_DATA_TESTS = [
    "tests/nlp/test_nlp_evaluate.py::test_evaluation_on_a_sample_beats_the_baselines",
    "tests/nlp/test_nlp_clustering.py::test_results_do_not_depend_on_the_process_hash_seed",
    "tests/nlp/test_synthesis.py::test_summary_is_deterministic_on_500_contributions",
    "tests/platform/test_demo_and_cli.py::test_load_csv_loads_consultation_data",
]


def _run_without_shared_data(tmp_path, ci: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CONTRIB_TEST_DB": "sqlite", "CI": ci, "CONTRIB_SHARED_DATA": str(tmp_path / "absent")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-rfs", *SHARED_DATA_TESTS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.nodb
def test_missing_shared_data_fails_in_ci(tmp_path):
    result = _run_without_shared_data(tmp_path, "true")
    assert result.returncode == 1, result.stdout
    assert "5 failed" in result.stdout and "skipped" not in result.stdout, result.stdout
    assert "shared data not found" in result.stdout


@pytest.mark.nodb
def test_control_missing_shared_data_skips_outside_ci(tmp_path):
    result = _run_without_shared_data(tmp_path, "false")
    assert result.returncode == 0, result.stdout
    assert "5 skipped" in result.stdout, result.stdout


@pytest.mark.nodb
def test_shared_data_is_found_from_this_checkout():
    """From a clone or a git worktree: ``../shared/data`` of the checkout (or of the main checkout)."""
    assert shared_data("dev_grand_debat.csv").stat().st_size > 0


@pytest.mark.nodb
def test_every_skip_goes_through_unavailable():
    """A bare skip would pass silently in CI; ``unavailable()`` fails there instead."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name != "conftest.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(word in line for word in ("pytest.skip(", "importorskip(", "mark.skip", "skipif("))
        and path.name != "test_test_harness.py"
    ]
    assert offenders == []

"""Clustering pages through the Flask client, and a run computed by a real huey consumer."""

import re

import pytest
from markupsafe import escape

from contrib.clustering import computation
from contrib.clustering import services as clustering
from contrib.extensions import db
from contrib.models import AuditEntry, Cluster, ClusteringRun, Contribution, Role, RunStatus
from tests.clustering.clustering_data import TOPICS
from tests.clustering.test_clustering import assignment, key_of, topic_key
from tests.conftest import poll_with_worker


@pytest.fixture
def scene(factory, auth):
    process = factory.process(slug="pessac")
    ids = {
        topic: [factory.contribution(process, text=text, n_supports=i % 2).id for i, text in enumerate(texts)]
        for topic, texts in TOPICS.items()
    }
    moderator = factory.user(Role.MODERATOR)
    auth.login(moderator)
    return {
        "process": process,
        "ids": ids,
        "moderator": moderator,
        "base": "/moderation/demarches/pessac/regroupements",
    }


def launch(client, scene, **data) -> ClusteringRun:
    response = client.post(f"{scene['base']}/lancer", data=data)
    assert response.status_code == 302, response.text
    return db.session.scalars(db.select(ClusteringRun).order_by(ClusteringRun.id.desc())).first()


def computed_run(client, scene) -> ClusteringRun:
    run = launch(client, scene, n_clusters="3")
    clustering.execute_run(run.id)
    db.session.expire_all()
    return db.session.get(ClusteringRun, run.id)


def test_a_run_launched_over_http_is_computed_by_a_real_worker(app, client, scene):
    run = launch(client, scene, n_clusters="3")
    page = client.get(f"{scene['base']}/{run.id}")
    assert "En attente" in page.text and 'http-equiv="refresh"' in page.text and "js/progress.js" in page.text
    assert client.get(f"{scene['base']}/{run.id}/etat").get_json()["status"] == "queued"

    state = poll_with_worker(app, client, f"{scene['base']}/{run.id}/etat")
    assert state["status"] == "done", state
    assert state["progress"] == 100 and "3 regroupements" in state["message"]
    assert db.session.scalar(db.select(db.func.count(Cluster.id)).where(Cluster.run_id == run.id)) == 3
    page = client.get(f"{scene['base']}/{run.id}")
    assert "Carte des contributions" in page.text and 'http-equiv="refresh"' not in page.text


def test_index_lists_runs_and_refuses_a_second_launch(app, client, scene):
    run = launch(client, scene)
    page = client.get(f"{scene['base']}/")
    assert f"Calcul n° {run.id}" in page.text and "En attente" in page.text
    response = client.post(f"{scene['base']}/lancer", data={}, follow_redirects=True)
    assert "déjà en attente ou en cours" in response.text
    response = client.post(f"{scene['base']}/lancer", data={"n_clusters": "1"}, follow_redirects=True)
    assert "Nombre de regroupements" in response.text
    assert db.session.scalar(db.select(db.func.count(ClusteringRun.id))) == 1
    assert "Regroupements" in client.get("/moderation/").text


def test_run_page_shows_clusters_map_and_table(app, client, scene, factory):
    tricky = factory.contribution(scene["process"], text="Audits Qualiopi <script>alert(1)</script> trop lourds")
    run = computed_run(client, scene)
    page = client.get(f"{scene['base']}/{run.id}").text
    assert page.count('fill-opacity="0.22"') == 3 and "<title>1. " in page, "one circle per cluster"
    assert "<script>alert" not in page
    tricky_page = client.get(f"{scene['base']}/{run.id}/groupes/{assignment(run)[tricky.id]}").text
    assert "<script>alert" not in tricky_page and "&lt;script&gt;" in tricky_page
    assert "La carte en tableau" in page and 'aria-labelledby="carte-titre" aria-describedby="carte-desc"' in page
    for view in clustering.run_clusters(run):
        assert str(escape(view.name)) in page and str(view.cluster.support_total) in page
        # A noun-phrase name, the distinctive words shown apart as keywords.
        assert "," not in view.name and f"mots-clés : {escape(', '.join(view.cluster.top_terms[:5]))}" in page
    assert tricky.id in assignment(run)


def test_cluster_page_links_to_a_proposal_with_its_contributions(app, client, scene):
    run = computed_run(client, scene)
    key = topic_key(run, scene, "qualiopi")
    page = client.get(f"{scene['base']}/{run.id}/groupes/{key}").text
    members = sorted(i for i, k in assignment(run).items() if k == key)
    match = re.search(r'href="/moderation/demarches/pessac/propositions/nouvelle\?proposees=([0-9%C,]+)"', page)
    assert match and sorted(int(i) for i in match.group(1).replace("%2C", ",").split(",")) == members
    assert "Créer une proposition à partir de ce regroupement" in page
    assert client.get(f"{scene['base']}/{run.id}/groupes/c99").status_code == 404


def test_adjustments_over_http_are_applied_and_audited(app, client, scene):
    run = computed_run(client, scene)
    base = f"{scene['base']}/{run.id}"
    qualiopi, finance = topic_key(run, scene, "qualiopi"), topic_key(run, scene, "financement")
    n_contributions = db.session.scalar(db.select(db.func.count(Contribution.id)))

    response = client.post(
        f"{base}/groupes/{qualiopi}/renommer", data={"name": "Audits Qualiopi"}, follow_redirects=True
    )
    assert "Ajustement enregistré" in response.text and "<h1>Audits Qualiopi</h1>" in response.text

    moved = scene["ids"]["qualiopi"][0]
    response = client.post(f"{base}/contributions/{moved}/deplacer", data={"key": finance, "depuis": qualiopi})
    assert response.location.endswith(f"/groupes/{qualiopi}")
    assert key_of(run, moved) == finance

    pinned = scene["ids"]["qualiopi"][1]
    client.post(f"{base}/contributions/{pinned}/epingler", data={"depuis": qualiopi})
    assert "épinglée" in client.get(f"{base}/groupes/{qualiopi}").text

    excluded = scene["ids"]["qualiopi"][2]
    client.post(f"{base}/contributions/{excluded}/exclure", data={})
    assert key_of(run, excluded) is None

    members = sorted(i for i, k in assignment(run).items() if k == qualiopi)
    response = client.post(
        f"{base}/groupes/{qualiopi}/scinder", data={"ids": [str(i) for i in members[:2]]}, follow_redirects=True
    )
    assert "Ajustement enregistré" in response.text
    response = client.post(f"{base}/groupes/{qualiopi}/scinder", data={}, follow_redirects=True)
    assert "Cochez les contributions" in response.text

    formateurs = topic_key(run, scene, "formateurs")
    response = client.post(f"{base}/groupes/{formateurs}/fusionner", data={"key": finance}, follow_redirects=True)
    assert "Ajustement enregistré" in response.text
    assert formateurs not in {v.cluster.key for v in clustering.run_clusters(run)}

    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [
        "clustering:run:launch",
        "clustering:cluster:rename",
        "clustering:contribution:move",
        "clustering:contribution:pin",
        "clustering:contribution:exclude",
        "clustering:cluster:split",
        "clustering:cluster:merge",
    ]
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == n_contributions
    journal = client.get("/moderation/journal").text
    assert "Fusion de deux regroupements" in journal and "Scission d&#39;un regroupement" in journal

    rerun = computed_run(client, scene)
    assert rerun.previous_run_id == run.id
    assert key_of(rerun, moved) == finance and key_of(rerun, excluded) is None
    assert "Audits Qualiopi" in client.get(f"{scene['base']}/{rerun.id}").text
    compare = client.get(f"{scene['base']}/{rerun.id}/comparaison").text
    assert f"comparé au calcul n° {run.id}" in compare and "%" in compare
    # The old run can no longer be adjusted.
    response = client.post(f"{base}/contributions/{pinned}/exclure", data={}, follow_redirects=True)
    assert "Seul le dernier regroupement" in response.text


def test_status_endpoint_reports_a_stale_run_as_failed(app, client, scene):
    run = launch(client, scene)
    assert computation._claim(run.id)
    from datetime import timedelta

    from contrib.models.base import utcnow

    db.session.execute(db.update(ClusteringRun).values(heartbeat_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    state = client.get(f"{scene['base']}/{run.id}/etat").get_json()
    assert state["status"] == "failed" and "ne répond plus" in state["message"]
    assert db.session.get(ClusteringRun, run.id).status is RunStatus.FAILED

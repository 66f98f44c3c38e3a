"""Two moderators press « Lancer » at the same instant over HTTP: the partial unique index
``uq_clustering_runs_active`` lets one run through, and the second moderator is taken to that run's progress page
with the French message (not to a second computation, which may have asked for another number of clusters)."""

from __future__ import annotations

from contrib.clustering import services as clustering
from contrib.extensions import db
from contrib.models import ClusteringRun, Role
from tests.clustering.clustering_data import TOPICS
from tests.conftest import AuthActions
from tests.plaidoyer.test_plaidoyer_pdf_race import at_the_same_instant

BASE = "/moderation/demarches/pessac/regroupements"


def test_two_launches_at_the_same_instant_make_one_run_and_both_follow_it(app, factory):
    process = factory.process(slug="pessac")
    for texts in TOPICS.values():
        for text in texts:
            factory.contribution(process, text=text)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        AuthActions(client).login(factory.user(Role.MODERATOR))

    one, other = at_the_same_instant(first, second, f"{BASE}/lancer", table="clustering_runs", data={"n_clusters": "3"})
    runs = db.session.scalars(db.select(ClusteringRun)).all()
    assert len(runs) == 1 and runs[0].status.value == "queued"
    page = f"{BASE}/{runs[0].id}"
    assert one.location == other.location == page  # both follow the one run
    flashed = [client.get(page).text for client in (first, second)]
    assert sum(clustering.ALREADY_RUNNING.replace("'", "&#39;") in text for text in flashed) == 1
    assert all(f"{page}/etat" in text for text in flashed)

    # The control: with no run waiting or running, the refused launch leads back to the list of runs.
    db.session.execute(db.update(ClusteringRun).values(status="failed"))
    db.session.commit()
    assert second.post(f"{BASE}/lancer", data={"n_clusters": "70"}).location == f"{BASE}/"

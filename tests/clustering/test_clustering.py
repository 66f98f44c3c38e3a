"""Clustering runs and adjustments at the service level: results stored, decisions respected by re-runs,
undo/redo of each adjustment, stale runs, invariants after every act."""

from datetime import timedelta

import pytest

import nlp
from contrib.clustering import computation
from contrib.clustering import services as clustering
from contrib.core import undo
from contrib.core.errors import Conflict, InvalidInput, NotAllowed
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Cluster,
    ClusteringDecision,
    ClusteringRun,
    ClusterMembership,
    Contribution,
    Role,
    RunStatus,
)
from contrib.models.base import utcnow
from contrib.moderation import hiding as moderation
from tests.clustering.clustering_data import TOPICS


@pytest.fixture
def scene(factory):
    process = factory.process()
    ids = {}
    for n, (topic, texts) in enumerate(TOPICS.items()):
        ids[topic] = [
            factory.contribution(process, text=text, theme_id=process.themes[(n + i) % 3].id, n_supports=i % 3).id
            for i, text in enumerate(texts)
        ]
    return {"process": process, "ids": ids, "moderator": factory.user(Role.MODERATOR)}


def run_now(scene, **options) -> ClusteringRun:
    """Launch a run and execute its task in this process (the queue itself is tested in test_clustering_web)."""
    run = clustering.launch_run(scene["process"].id, actor=scene["moderator"], **options)
    clustering.execute_run(run.id)
    db.session.expire_all()
    run = db.session.get(ClusteringRun, run.id)
    assert run.status is RunStatus.DONE, run.progress_message
    return run


def assignment(run) -> dict[int, str | None]:
    return computation.assignment_of(run.id)


def key_of(run, contribution_id) -> str | None:
    return assignment(run).get(contribution_id)


def excluded_ids(run) -> set[int]:
    return set(
        db.session.scalars(
            db.select(ClusterMembership.contribution_id).where(
                ClusterMembership.run_id == run.id, ClusterMembership.is_excluded.is_(True)
            )
        )
    )


def topic_key(run, scene, topic) -> str:
    """The key holding most of a topic's contributions."""
    keys = [key_of(run, id_) for id_ in scene["ids"][topic]]
    return max(set(keys) - {None}, key=keys.count)


def check_invariants(n_contributions: int, action: str | None = None):
    """Contributions are never removed, and the act (if any) has its audit entry."""
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == n_contributions
    if action:
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == action)) is not None


def last_entry(action: str) -> AuditEntry:
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def test_a_run_stores_clusters_memberships_scores_and_map(app, scene):
    run = run_now(scene, n_clusters=3)
    assert run.n_contributions == 24 and run.n_clusters == 3 and run.progress == 100
    assert run.parameters == {"n_clusters": 3, "random_state": 0}
    clusters = db.session.scalars(db.select(Cluster).where(Cluster.run_id == run.id)).all()
    assert sorted(c.key for c in clusters) == ["c1", "c2", "c3"]
    for topic in TOPICS:  # each topic lands (mostly) in one cluster
        keys = [key_of(run, id_) for id_ in scene["ids"][topic]]
        assert keys.count(topic_key(run, scene, topic)) >= 6
    memberships = db.session.scalars(db.select(ClusterMembership).where(ClusterMembership.run_id == run.id)).all()
    assert len(memberships) == 24
    assert all(0 <= m.x <= 1 and 0 <= m.y <= 1 for m in memberships)
    supports = {c.id: c.n_supports for c in db.session.scalars(db.select(Contribution))}
    for cluster in clusters:
        members = [m.contribution_id for m in memberships if m.cluster_id == cluster.id]
        assert cluster.size == len(members) and cluster.support_total == sum(supports[i] for i in members)
        assert sum(n for _, n in cluster.theme_mix) == cluster.size
        assert set(cluster.representative_ids) <= set(members) and cluster.top_terms
    check_invariants(24, "clustering:run:launch")


def test_automatic_k_and_second_run_compares_with_the_first(app, scene):
    first = run_now(scene)
    assert first.parameters["n_clusters"] is None and first.scores["k_scores"]
    second = run_now(scene)
    assert second.previous_run_id == first.id
    assert second.scores["stability"] == 1.0, "the same data twice gives the same clusters"
    comparison = clustering.compare_with_previous(second)
    assert comparison.n_moved == 0 and not comparison.new and not comparison.vanished
    assert len(comparison.kept) == first.n_clusters


def test_a_second_launch_is_refused_while_one_is_queued(app, scene):
    clustering.launch_run(scene["process"].id, actor=scene["moderator"])
    with pytest.raises(Conflict, match="déjà en attente ou en cours"):
        clustering.launch_run(scene["process"].id, actor=scene["moderator"])
    assert db.session.scalar(db.select(db.func.count(ClusteringRun.id))) == 1


def test_only_moderators_launch_and_k_is_bounded(app, scene, factory):
    with pytest.raises(NotAllowed):
        clustering.launch_run(scene["process"].id, actor=factory.user(Role.FACILITATOR))
    with pytest.raises(InvalidInput, match="entre 2 et"):
        clustering.launch_run(scene["process"].id, actor=scene["moderator"], n_clusters=1)


def test_a_stale_running_run_is_failed_when_viewed_and_a_new_one_can_start(app, scene):
    run = clustering.launch_run(scene["process"].id, actor=scene["moderator"])
    assert computation._claim(run.id)
    db.session.execute(db.update(ClusteringRun).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    runs = clustering.list_runs(scene["process"].id)
    assert runs[0].status is RunStatus.FAILED and "ne répond plus" in runs[0].progress_message
    # The worker, if it ever comes back, stores nothing over a failed run.
    clustering.execute_run(run.id)
    assert db.session.scalar(db.select(db.func.count(Cluster.id))) == 0
    assert run_now(scene).status is RunStatus.DONE


def test_a_run_marked_stale_during_its_computation_stores_nothing(app, scene):
    run = clustering.launch_run(scene["process"].id, actor=scene["moderator"])
    assert computation._claim(run.id)
    computation.finish_failed(run.id, clustering.STALE_MESSAGE)
    with pytest.raises(Conflict):
        computation._store(
            run.id,
            computation._load_corpus(scene["process"].id),
            nlp.cluster_contributions([1], ["x"]),
            [[0.5, 0.5]],
            {},
        )
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(ClusterMembership.run_id))) == 0
    assert db.session.get(ClusteringRun, run.id).status is RunStatus.FAILED


def test_hidden_contributions_are_left_out_of_the_next_run(app, scene):
    hidden = scene["ids"]["qualiopi"][0]
    moderation.hide(hidden, "Hors sujet", moderator=scene["moderator"])
    run = run_now(scene, n_clusters=3)
    assert hidden not in assignment(run) and run.n_contributions == 23


# --- adjustments: applied at once, respected by the next run, undone and redone -------------------


def test_move_pins_and_the_next_run_keeps_it(app, scene):
    run = run_now(scene, n_clusters=3)
    moved = scene["ids"]["qualiopi"][0]
    origin, target = key_of(run, moved), topic_key(run, scene, "formateurs")

    def sizes():
        return {c.key: c.size for c in db.session.scalars(db.select(Cluster).where(Cluster.run_id == run.id))}

    before = sizes()
    clustering.move_contribution(scene["process"].id, run.id, moved, target, actor=scene["moderator"])
    assert key_of(run, moved) == target
    assert sizes() == {**before, origin: before[origin] - 1, target: before[target] + 1}
    check_invariants(24, "clustering:contribution:move")

    rerun = run_now(scene)
    assert key_of(rerun, moved) == target, "the next run respects the pin"
    comparison = clustering.compare_with_previous(rerun)
    assert comparison.stability is not None

    entry = last_entry("clustering:contribution:move")
    undo_entry = undo.undo_act(entry.id, actor=scene["moderator"])
    db.session.expire_all()
    assert key_of(rerun, moved) == origin, "undo puts it back on the latest run"
    assert not db.session.scalars(db.select(ClusteringDecision).where(ClusteringDecision.is_active.is_(True))).all()
    undo.undo_act(undo_entry.id, actor=scene["moderator"])  # redo
    db.session.expire_all()
    assert key_of(rerun, moved) == target
    assert key_of(run_now(scene), moved) == target
    check_invariants(24, "clustering:contribution:move:redo")


def test_pin_keeps_a_contribution_where_it_is(app, scene):
    run = run_now(scene, n_clusters=3)
    pinned = scene["ids"]["financement"][4]
    key = key_of(run, pinned)
    clustering.pin_contribution(scene["process"].id, run.id, pinned, actor=scene["moderator"])
    with pytest.raises(InvalidInput, match="déjà épinglée"):
        clustering.pin_contribution(scene["process"].id, run.id, pinned, actor=scene["moderator"])
    # Even with twice as many clusters asked, the pinned contribution stays in its key.
    assert key_of(run_now(scene, n_clusters=6), pinned) == key
    entry = last_entry("clustering:contribution:pin")
    redo = undo.undo_act(entry.id, actor=scene["moderator"])
    assert not clustering.active_decisions(scene["process"].id)
    undo.undo_act(redo.id, actor=scene["moderator"])
    assert [d.contribution_id for d in clustering.active_decisions(scene["process"].id)] == [pinned]
    check_invariants(24, "clustering:contribution:pin:redo")


def test_exclude_leaves_it_out_of_every_next_run(app, scene):
    run = run_now(scene, n_clusters=3)
    excluded = scene["ids"]["formateurs"][3]
    clustering.exclude_contribution(scene["process"].id, run.id, excluded, actor=scene["moderator"])
    assert excluded in excluded_ids(run) and key_of(run, excluded) is None
    rerun = run_now(scene)
    assert excluded in excluded_ids(rerun) and rerun.n_excluded == 1
    check_invariants(24, "clustering:contribution:exclude")
    entry = last_entry("clustering:contribution:exclude")
    redo = undo.undo_act(entry.id, actor=scene["moderator"])
    db.session.expire_all()
    assert excluded not in excluded_ids(rerun) and key_of(rerun, excluded) is not None
    undo.undo_act(redo.id, actor=scene["moderator"])
    db.session.expire_all()
    assert excluded in excluded_ids(rerun)


def test_rename_is_kept_by_the_next_run(app, scene):
    run = run_now(scene, n_clusters=3)
    key = topic_key(run, scene, "qualiopi")
    clustering.rename_cluster(scene["process"].id, run.id, key, "Qualiopi et audits", actor=scene["moderator"])
    rerun = run_now(scene)
    names = {view.cluster.key: view.name for view in clustering.run_clusters(rerun)}
    assert names[topic_key(rerun, scene, "qualiopi")] == "Qualiopi et audits"
    clustering.rename_cluster(scene["process"].id, rerun.id, key, "Certification", actor=scene["moderator"])
    second = last_entry("clustering:cluster:rename")
    assert second.before["name"] == "Qualiopi et audits" and second.after["name"] == "Certification"
    first = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "clustering:cluster:rename").order_by(AuditEntry.id)
    ).first()
    with pytest.raises(undo.Blocked):
        undo.undo_act(first.id, actor=scene["moderator"])
    undo.undo_act(second.id, actor=scene["moderator"])
    assert clustering.cluster_names(scene["process"].id) == {key: "Qualiopi et audits"}
    with pytest.raises(InvalidInput, match="Nom du regroupement"):
        clustering.rename_cluster(scene["process"].id, rerun.id, key, "  ", actor=scene["moderator"])
    check_invariants(24, "clustering:cluster:rename:undo")


def test_merge_keeps_both_clusters_together_in_the_next_run(app, scene):
    run = run_now(scene, n_clusters=3)
    source, target = topic_key(run, scene, "financement"), topic_key(run, scene, "formateurs")
    members = [i for i, k in assignment(run).items() if k in (source, target)]
    clustering.merge_clusters(scene["process"].id, run.id, source, target, actor=scene["moderator"])
    assert {key_of(run, i) for i in members} == {target}
    assert source not in {v.cluster.key for v in clustering.run_clusters(run)}, "the emptied cluster is not shown"
    rerun = run_now(scene, n_clusters=3)
    assert {key_of(rerun, i) for i in members} == {target}
    check_invariants(24, "clustering:cluster:merge")
    entry = last_entry("clustering:cluster:merge")
    redo = undo.undo_act(entry.id, actor=scene["moderator"])
    db.session.expire_all()
    assert {key_of(rerun, i) for i in members} == {source, target}, "undo splits them again on the latest run"
    undo.undo_act(redo.id, actor=scene["moderator"])
    db.session.expire_all()
    assert {key_of(rerun, i) for i in members} == {target}


def test_split_creates_a_new_key_that_the_next_run_keeps(app, scene):
    run = run_now(scene, n_clusters=3)
    key = topic_key(run, scene, "qualiopi")
    members = [i for i, k in assignment(run).items() if k == key]
    ticked = members[:3]
    entry = clustering.split_cluster(scene["process"].id, run.id, key, ticked, actor=scene["moderator"])
    new_key = entry.after["new_key"]
    assert new_key not in ("c1", "c2", "c3")
    assert {key_of(run, i) for i in ticked} == {new_key}
    assert {key_of(run, i) for i in members[3:]} == {key}
    rerun = run_now(scene)
    assert {key_of(rerun, i) for i in ticked} == {new_key} and {key_of(rerun, i) for i in members[3:]} == {key}
    check_invariants(24, "clustering:cluster:split")
    with pytest.raises(InvalidInput, match="au moins une"):
        clustering.split_cluster(scene["process"].id, rerun.id, key, members[3:], actor=scene["moderator"])
    redo = undo.undo_act(entry.id, actor=scene["moderator"])
    db.session.expire_all()
    assert {key_of(rerun, i) for i in members} == {key}
    undo.undo_act(redo.id, actor=scene["moderator"])
    db.session.expire_all()
    assert {key_of(rerun, i) for i in ticked} == {new_key}


def test_undo_is_blocked_by_a_later_act_on_the_same_contribution(app, scene):
    run = run_now(scene, n_clusters=3)
    contribution = scene["ids"]["qualiopi"][1]
    clustering.move_contribution(
        scene["process"].id, run.id, contribution, topic_key(run, scene, "financement"), actor=scene["moderator"]
    )
    clustering.exclude_contribution(scene["process"].id, run.id, contribution, actor=scene["moderator"])
    move, exclude = last_entry("clustering:contribution:move"), last_entry("clustering:contribution:exclude")
    with pytest.raises(undo.Blocked, match=f"acte n° {exclude.id}"):
        undo.undo_act(move.id, actor=scene["moderator"])
    undo.undo_act(exclude.id, actor=scene["moderator"])
    undo.undo_act(move.id, actor=scene["moderator"])
    db.session.expire_all()
    assert key_of(run, contribution) == topic_key(run, scene, "qualiopi")
    assert not clustering.active_decisions(scene["process"].id)


def test_adjustments_are_refused_on_an_older_run_or_during_a_run(app, scene):
    first = run_now(scene, n_clusters=3)
    run_now(scene, n_clusters=3)
    contribution = scene["ids"]["qualiopi"][0]
    with pytest.raises(Conflict, match="dernier regroupement"):
        clustering.exclude_contribution(scene["process"].id, first.id, contribution, actor=scene["moderator"])
    latest = clustering.launch_run(scene["process"].id, actor=scene["moderator"])
    with pytest.raises(Conflict, match="en cours de calcul"):
        clustering.exclude_contribution(
            scene["process"].id, latest.previous_run_id, contribution, actor=scene["moderator"]
        )


def test_two_simultaneous_launches_create_one_run(app, scene):
    """Two moderators click "Lancer" at the same instant: one run, the other gets the French message."""
    import threading

    from contrib.models import User

    barrier, outcomes = threading.Barrier(2, timeout=30), []
    # Read in the test's session before the threads start: they must not touch it.
    moderator_id, process_id = scene["moderator"].id, scene["process"].id

    def attempt():
        with app.app_context():
            try:
                moderator = db.session.get(User, moderator_id)
                barrier.wait()
                clustering.launch_run(process_id, actor=moderator)
                outcomes.append("ok")
            except Conflict as error:
                outcomes.append(error.message)
            except Exception as error:  # reported by the assertion below, not lost in the thread
                outcomes.append(repr(error))
                barrier.abort()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["ok", clustering.ALREADY_RUNNING]), outcomes
    assert db.session.scalar(db.select(db.func.count(ClusteringRun.id))) == 1

"""Prioritisation: direct supports counted once, priority and status with undo, fair ranking, plenary sessions.

Invariants checked after each act (``check``): contributions never disappear, nobody counts twice for
a proposal, every moderation act has its audit entry.
"""

from __future__ import annotations

import threading

import pytest

from contrib.core import undo
from contrib.core.errors import Conflict, ContribError, InvalidInput, NotAllowed
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    Notification,
    Proposal,
    ProposalStatus,
    ProposalSupport,
    Role,
    SessionStatus,
    SupportOrigin,
    User,
)
from contrib.participation import supports
from contrib.prioritisation import plenary, proposal_life, ranking, tally, votes
from contrib.proposals import services as proposals


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def check(n_contributions: int, n_acts: int | None = None) -> None:
    db.session.expire_all()
    assert _count(Contribution) >= n_contributions, "a contribution disappeared"
    doubles = db.session.execute(
        db.select(ProposalSupport.proposal_id, ProposalSupport.user_id)
        .group_by(ProposalSupport.proposal_id, ProposalSupport.user_id)
        .having(db.func.count() > 1)
    ).all()
    assert doubles == [], "nobody is counted twice for a proposal"
    if n_acts is not None:
        acts = db.session.scalar(
            db.select(db.func.count(AuditEntry.id)).where(
                AuditEntry.action.startswith("prioritisation:proposal:")
                | AuditEntry.action.startswith("prioritisation:session:")
            )
        )
        assert acts == n_acts, "every act (undo, redo) has exactly one audit entry"


@pytest.fixture
def scene(factory):
    """A process, two authors' contributions merged into a proposal; ``fan`` supports the first contribution."""
    process = factory.process(region="Nouvelle-Aquitaine")
    authors = [factory.user(), factory.user()]
    contributions = [
        factory.contribution(process, author_id=author.id, text=f"Idée {n}") for n, author in enumerate(authors)
    ]
    fan = factory.user()
    supports.support(contributions[0].id, user=fan)
    moderator = factory.user(Role.MODERATOR)
    proposal = proposals.create_from_contributions(
        process.id,
        [c.id for c in contributions],
        "Former les formateurs",
        "Texte.",
        [process.themes[0].id],
        "medium",
        moderator=moderator,
    )
    return {
        "process": process,
        "authors": authors,
        "contributions": contributions,
        "fan": fan,
        "moderator": moderator,
        "proposal": proposal,
        "n": _count(Contribution),
    }


# --- direct supports ---------------------------------------------------------------------------


def test_direct_support_counts_once_and_a_carried_supporter_is_told(app, scene, factory):
    proposal, fan = scene["proposal"], scene["fan"]
    newcomer = factory.user()
    assert proposal_life.support_state(proposal.id, fan).is_carried
    assert proposal_life.support_state(proposal.id, fan).through == [scene["contributions"][0].id]
    assert proposal_life.support(proposal.id, user=newcomer) == "added"
    assert proposal_life.support(proposal.id, user=newcomer) == "already"
    assert proposal_life.support(proposal.id, user=fan) == "made_direct"
    check(scene["n"])
    assert proposals.n_supporters(proposal.id) == 2
    # The fan withdraws the contribution's support: still counted, directly.
    supports.withdraw(scene["contributions"][0].id, user=fan)
    assert proposal_life.support_state(proposal.id, fan).is_direct
    assert proposals.n_supporters(proposal.id) == 2
    # And supports it again: still once.
    supports.support(scene["contributions"][0].id, user=fan)
    check(scene["n"])
    assert proposals.n_supporters(proposal.id) == 2


def test_withdrawing_a_direct_support_falls_back_to_the_carried_one(app, scene, factory):
    proposal, fan = scene["proposal"], scene["fan"]
    newcomer = factory.user()
    proposal_life.support(proposal.id, user=fan)
    proposal_life.support(proposal.id, user=newcomer)
    assert proposal_life.withdraw(proposal.id, user=fan) == "still_carried"
    assert proposal_life.withdraw(proposal.id, user=newcomer) == "removed"
    assert proposal_life.withdraw(proposal.id, user=newcomer) == "none"
    check(scene["n"])
    assert proposals.supporter_ids(proposal.id) == [fan.id]
    assert proposal_life.support_state(proposal.id, fan).origin == SupportOrigin.CARRIED


def test_supports_refused_on_merged_discarded_or_closed(app, scene, factory):
    process, moderator, proposal = scene["process"], scene["moderator"], scene["proposal"]
    person = factory.user()
    other = proposals.create_from_contributions(
        process.id,
        [factory.contribution(process).id],
        "Autre",
        "Texte.",
        [process.themes[0].id],
        "low",
        moderator=moderator,
    )
    proposals.merge_proposals(other.id, proposal.id, moderator=moderator)
    with pytest.raises(Conflict, match=f"n° {proposal.id}"):
        proposal_life.support(other.id, user=person)
    proposal_life.set_status(proposal.id, "discarded", "Hors du champ de la CPOF.", moderator=moderator)
    with pytest.raises(NotAllowed, match="écartée"):
        proposal_life.support(proposal.id, user=person)
    proposal_life.set_status(proposal.id, "under_review", None, moderator=moderator)
    process.is_open = False
    db.session.commit()
    with pytest.raises(NotAllowed, match="close"):
        proposal_life.support(proposal.id, user=person)
    check(scene["n"])


def test_direct_supporters_of_a_merged_proposal_count_once_in_the_target(app, scene, factory):
    process, moderator, proposal, fan = scene["process"], scene["moderator"], scene["proposal"], scene["fan"]
    other = proposals.create_from_contributions(
        process.id,
        [factory.contribution(process).id],
        "Autre",
        "Texte.",
        [process.themes[0].id],
        "low",
        moderator=moderator,
    )
    proposal_life.support(other.id, user=fan)  # fan counts for both
    proposals.merge_proposals(other.id, proposal.id, moderator=moderator)
    check(scene["n"])
    assert proposals.supporter_ids(proposal.id) == [fan.id]


# --- priority and status -----------------------------------------------------------------------


def test_status_change_needs_a_reason_to_discard_notifies_authors_and_undoes(app, scene):
    proposal, moderator, authors = scene["proposal"], scene["moderator"], scene["authors"]
    with pytest.raises(InvalidInput, match="motif") as refused:
        proposal_life.set_status(proposal.id, "discarded", "   ", moderator=moderator)
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput):
        proposal_life.set_status(proposal.id, "discarded", "<script>x</script>", moderator=moderator)
    with pytest.raises(InvalidInput, match="statut"):
        proposal_life.set_status(proposal.id, "perdue", None, moderator=moderator)
    check(scene["n"], 0)
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.UNDER_REVIEW

    proposal_life.set_status(proposal.id, "discarded", "Relève de l'État, pas des Régions.", moderator=moderator)
    check(scene["n"], 1)
    told = db.session.scalars(db.select(Notification).where(Notification.kind == "proposal_status")).all()
    assert sorted(n.user_id for n in told) == sorted(a.id for a in authors)
    assert "écartée" in told[0].message and "Relève de l'État" in told[0].message

    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == proposal_life.STATUS))
    assert entry.before["status"] == "under_review" and entry.after["status_reason"].startswith("Relève")
    undo_entry = undo.undo_act(entry.id, actor=moderator)
    check(scene["n"], 2)
    restored = db.session.get(Proposal, proposal.id)
    assert (restored.status, restored.status_reason) == (ProposalStatus.UNDER_REVIEW, None)
    undo.undo_act(undo_entry.id, actor=moderator)  # redo
    check(scene["n"], 3)
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.DISCARDED


def test_priority_undo_blocked_by_a_later_act_and_stale_pages_refused(app, scene):
    proposal, moderator = scene["proposal"], scene["moderator"]
    seen = proposal.version
    proposal_life.set_priority(proposal.id, "high", moderator=moderator, expected_version=seen)
    with pytest.raises(Conflict, match="quelqu'un d'autre"):
        proposal_life.set_priority(proposal.id, "low", moderator=moderator, expected_version=seen)
    with pytest.raises(Conflict, match="déjà"):
        proposal_life.set_priority(proposal.id, "high", moderator=moderator)
    proposal_life.set_status(proposal.id, "retained", "Portée par toutes les tables.", moderator=moderator)
    first = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == proposal_life.PRIORITY))
    with pytest.raises(undo.Blocked, match="statut d'une proposition"):
        undo.undo_act(first.id, actor=moderator)
    # The proposal's creation cannot be undone while its status act stands.
    create = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "proposals:proposal:create"))
    with pytest.raises(undo.Blocked):
        undo.undo_act(create.id, actor=moderator)
    check(scene["n"], 2)
    status = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == proposal_life.STATUS))
    undo.undo_act(status.id, actor=moderator)
    undo.undo_act(first.id, actor=moderator)
    check(scene["n"], 4)
    assert db.session.get(Proposal, proposal.id).priority.value == "medium"


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.FACILITATOR])
def test_only_moderators_set_priority_status_and_sessions(app, scene, factory, role):
    person, proposal = factory.user(role), scene["proposal"]
    with pytest.raises(NotAllowed):
        proposal_life.set_priority(proposal.id, "high", moderator=person)
    with pytest.raises(NotAllowed):
        proposal_life.set_status(proposal.id, "retained", None, moderator=person)
    with pytest.raises(NotAllowed):
        plenary.create_session(scene["process"].id, "Séance", "dots", [proposal.id], moderator=person)
    check(scene["n"], 0)


# --- ranking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "successes, trials, expected",
    [
        (0, 0, 0.0),
        (0, 10, 0.0),
        (3, 3, 0.4385),
        (30, 40, 0.5981),
        (300, 2000, 0.1348),
        (10, 10, 0.7225),
    ],
)
def test_wilson_lower_bound_values(successes, trials, expected):
    assert ranking.wilson_lower_bound(successes, trials) == pytest.approx(expected, abs=1e-3)


def test_wilson_lower_bound_properties():
    assert ranking.wilson_lower_bound(5, 10) < 0.5 < ranking.wilson_lower_bound(500, 600)
    assert ranking.wilson_lower_bound(50, 100) > ranking.wilson_lower_bound(5, 10)  # same share, more evidence
    with pytest.raises(ValueError):
        ranking.wilson_lower_bound(3, 2)


def _proposal_with_supporters(
    factory, process, moderator, n_supporters: int, n_bystanders: int, title: str
) -> Proposal:
    author = factory.user()
    contribution = factory.contribution(process, author_id=author.id)
    proposal = proposals.create_from_contributions(
        process.id, [contribution.id], title, "Texte.", [process.themes[0].id], "medium", moderator=moderator
    )
    for supporter in [author] + [factory.user() for _ in range(n_supporters - 1)]:
        proposal_life.support(proposal.id, user=supporter)
    for _ in range(n_bystanders):  # participants who post something but do not support this proposal
        factory.contribution(process, author_id=factory.user().id)
    return proposal


def test_few_votes_at_100_percent_do_not_beat_many_supporters(app, factory):
    """3 of 3 people in a tiny process rank below 30 of 40 in a bigger one; raw share would say otherwise."""
    moderator = factory.user(Role.MODERATOR)
    tiny, big = factory.process(region="Bretagne"), factory.process(region="Occitanie")
    small = _proposal_with_supporters(factory, tiny, moderator, 3, 0, "Petite mais unanime")
    large = _proposal_with_supporters(factory, big, moderator, 30, 10, "Large soutien")
    rows = ranking.rank_proposals([tiny.id, big.id])
    by_id = {row.proposal.id: row for row in rows}
    assert by_id[small.id].share == 1.0 and by_id[small.id].n_participants == 3
    assert by_id[large.id].n_supporters == 30 and by_id[large.id].n_participants == 40
    assert [row.proposal.id for row in rows] == [large.id, small.id]
    assert by_id[large.id].regions == ["Occitanie"] and by_id[large.id].n_events == 1


def test_ranking_columns_on_constructed_data(app, factory):
    process = factory.process(region="Nouvelle-Aquitaine")
    moderator = factory.user(Role.MODERATOR)
    from contrib.models import ActorType

    sources = [
        factory.contribution(process, actor_type=kind, author_id=factory.user().id)
        for kind in (ActorType.FUNDER, ActorType.FUNDER, ActorType.LEARNER)
    ]
    first = proposals.create_from_contributions(
        process.id,
        [c.id for c in sources],
        "Trois sources",
        "Texte.",
        [process.themes[0].id],
        "high",
        moderator=moderator,
    )
    second = _proposal_with_supporters(factory, process, moderator, 4, 0, "Quatre soutiens directs")  # its author + 3
    supporter = factory.user()
    for contribution in sources:  # one person supporting the three sources counts once
        supports.support(contribution.id, user=supporter)
    rows = ranking.rank_proposals([process.id])
    assert [row.proposal.id for row in rows] == [second.id, first.id]
    top, other = rows
    assert (other.n_supporters, other.n_sources, other.n_events) == (1, 3, 1)
    assert other.actor_types == [("Financeur (Région, État, OPCO, France Travail)", 2), ("Apprenant·e", 1)]
    assert (
        top.n_participants == other.n_participants == 3 + 4 + 1
    )  # first's authors, second's author and fans, the supporter
    assert top.rank == 1 and top.score > other.score


# --- plenary sessions --------------------------------------------------------------------------


@pytest.fixture
def plenary_scene(factory):
    process = factory.process()
    moderator = factory.user(Role.MODERATOR)
    items = [
        proposals.create_from_contributions(
            process.id,
            [factory.contribution(process).id],
            title,
            "Texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        )
        for title in (
            "Financer la formation des formateurs",
            "Simplifier la certification",
            "Un guichet unique régional",
            "Évaluer par les pairs",
        )
    ]
    return {
        "process": process,
        "moderator": moderator,
        "ids": [p.id for p in items],
        "voters": [factory.user() for _ in range(8)],
        "n": _count(Contribution),
    }


def _parallel(app, voters, act) -> dict:
    """Run ``act(user)`` for each voter in its own thread and session, all released at once."""
    barrier = threading.Barrier(len(voters))
    outcomes: dict[int, object] = {}
    voter_ids = [voter.id for voter in voters]

    def run(user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait(20)
                act(user)
                outcomes[user_id] = "ok"
            except ContribError as error:
                outcomes[user_id] = error
            except Exception as error:
                outcomes[user_id] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in voter_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_dot_voting_in_parallel_gives_the_expected_ranking(app, plenary_scene):
    s = plenary_scene
    a, b, c, d = s["ids"]
    session = plenary.create_session(
        s["process"].id, "Plénière de Bordeaux", "dots", s["ids"], moderator=s["moderator"], n_points=5
    )
    session_id = session.id
    # 8 voters: a gets 3 from each of 8 (24), b 2 from 5 (10), c 2 from 3 (6), d nothing.
    plan = {voter.id: {a: 3, b: 2} if n < 5 else {a: 3, c: 2} for n, voter in enumerate(s["voters"])}
    outcomes = _parallel(app, s["voters"], lambda user: votes.cast_dots(session_id, plan[user.id], user=user))
    assert set(outcomes.values()) == {"ok"}, outcomes
    db.session.expire_all()
    session = plenary.get_session(session_id)
    rows = tally.live_ranking(session)
    assert [(row.proposal_id, row.value, row.n_votes) for row in rows] == [(a, 24, 8), (b, 10, 5), (c, 6, 3), (d, 0, 0)]
    assert tally.n_voters(session) == 8
    check(s["n"])

    # One ballot per person: voting again replaces it.
    voter = s["voters"][0]
    votes.cast_dots(session_id, {d: 5}, user=voter)
    assert votes.ballot_of(session_id, voter) == {d: 5}
    with pytest.raises(InvalidInput, match="5 au plus"):
        votes.cast_dots(session_id, {a: 4, b: 2}, user=voter)
    with pytest.raises(InvalidInput, match="au moins un point"):
        votes.cast_dots(session_id, {}, user=voter)
    with pytest.raises(InvalidInput):
        votes.cast_dots(session_id, {a: -1, b: 3}, user=voter)
    assert tally.n_voters(plenary.get_session(session_id)) == 8

    plenary.close_session(session_id, moderator=s["moderator"])
    with pytest.raises(NotAllowed, match="clos"):
        votes.cast_dots(session_id, {a: 1}, user=s["voters"][1])
    frozen = tally.ranking(plenary.get_session(session_id))
    # The first voter moved their 5 points to d before the closing.
    assert [(row.proposal_id, row.value) for row in frozen] == [(a, 21), (b, 8), (c, 6), (d, 5)]
    check(s["n"], 2)


def test_pairwise_in_parallel_gives_the_expected_ranking(app, plenary_scene):
    s = plenary_scene
    a, b, c, d = s["ids"]
    session = plenary.create_session(s["process"].id, "Paires", "pairwise", s["ids"], moderator=s["moderator"])
    session_id = session.id
    preference = [a, b, c, d]  # everyone's true order; two voters disagree on b/c

    def answer_all(user):
        order = preference if user.id not in {s["voters"][0].id, s["voters"][1].id} else [a, c, b, d]
        while True:
            pair = votes.next_pair(plenary.get_session(session_id), user)
            if pair is None:
                return
            first, second = pair
            winner, loser = (first, second) if order.index(first.id) < order.index(second.id) else (second, first)
            assert votes.vote_pair(session_id, winner.id, loser.id, user=user)

    outcomes = _parallel(app, s["voters"], answer_all)
    assert set(outcomes.values()) == {"ok"}, outcomes
    db.session.expire_all()
    session = plenary.get_session(session_id)
    rows = tally.live_ranking(session)
    assert [row.proposal_id for row in rows] == [a, b, c, d]
    assert all(row.n_votes == 8 * 3 for row in rows)
    assert rows[0].value > 80 and rows[-1].value < 20
    voter = s["voters"][2]
    assert votes.vote_pair(session_id, a, b, user=voter) is False  # one answer per pair and person
    with pytest.raises(InvalidInput):
        votes.vote_pair(session_id, a, a, user=voter)
    with pytest.raises(InvalidInput, match="mode"):
        votes.cast_dots(session_id, {a: 1}, user=voter)
    check(s["n"], 1)


def test_bradley_terry_orders_and_shrinks():
    wins = {(1, 2): 8, (2, 1): 2, (2, 3): 7, (3, 2): 3, (1, 3): 9, (3, 1): 1}
    strength = tally.bradley_terry([1, 2, 3], wins)
    assert strength[1] > strength[2] > strength[3]
    lucky = tally.bradley_terry([1, 2, 3], {(1, 2): 1})  # one win only: not a landslide
    assert 1 < lucky[1] < 3
    assert tally.bradley_terry([1, 2], {}) == {1: 1.0, 2: 1.0}


def test_session_creation_refusals_and_undo_redo_of_create_and_close(app, plenary_scene, factory):
    s = plenary_scene
    moderator, process = s["moderator"], s["process"]
    with pytest.raises(InvalidInput, match="entre 2 et 40"):
        plenary.create_session(process.id, "Séance", "dots", s["ids"][:1], moderator=moderator)
    with pytest.raises(InvalidInput, match="points"):
        plenary.create_session(process.id, "Séance", "dots", s["ids"], moderator=moderator, n_points=0)
    elsewhere = factory.process()
    with pytest.raises(InvalidInput, match="ne peuvent pas"):
        plenary.create_session(elsewhere.id, "Séance", "dots", s["ids"], moderator=moderator)
    with pytest.raises(InvalidInput, match="Titre"):
        plenary.create_session(process.id, " ", "dots", s["ids"], moderator=moderator)
    check(s["n"], 0)

    session = plenary.create_session(process.id, "Séance", "dots", s["ids"], moderator=moderator)
    votes.cast_dots(session.id, {s["ids"][1]: 2}, user=s["voters"][0])
    plenary.close_session(session.id, moderator=moderator)
    create, close = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action.startswith("prioritisation:session:")).order_by(AuditEntry.id)
    ).all()
    assert close.after["result"][0]["proposal_id"] == s["ids"][1]
    with pytest.raises(undo.Blocked):
        undo.undo_act(create.id, actor=moderator)
    reopened = undo.undo_act(close.id, actor=moderator)
    assert (
        plenary.get_session(session.id).status == SessionStatus.OPEN and plenary.get_session(session.id).result is None
    )
    undo.undo_act(reopened.id, actor=moderator)  # redo: closed again, result frozen again
    assert plenary.get_session(session.id).status == SessionStatus.CLOSED
    undo.undo_act(
        db.session.scalar(db.select(AuditEntry.id).where(AuditEntry.action == plenary.CLOSE)), actor=moderator
    )
    undo.undo_act(create.id, actor=moderator)  # cancels the session; the ballot stays stored
    with pytest.raises(ContribError):
        plenary.get_session(session.id)
    assert votes.ballot_of(session.id, s["voters"][0]) == {s["ids"][1]: 2}
    check(s["n"], 6)  # create, close, undo, redo, undo of the close, undo of the create


def test_state_revision_changes_with_votes(app, plenary_scene):
    s = plenary_scene
    session = plenary.create_session(s["process"].id, "Séance", "dots", s["ids"], moderator=s["moderator"])
    before = tally.state(session)
    votes.cast_dots(session.id, {s["ids"][2]: 1}, user=s["voters"][0])
    after = tally.state(plenary.get_session(session.id))
    assert before["revision"] != after["revision"]
    assert after["ranking"][0]["proposal_id"] == s["ids"][2] and after["n_voters"] == 1

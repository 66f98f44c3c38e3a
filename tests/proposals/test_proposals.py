"""Merging contributions into proposals: create, add, remove, merge, split, undo and redo of each.

Every act goes through ``Ledger.act``, which checks the invariants right after it: the number of
contributions never decreases, nobody counts twice for a proposal (and the supporters are exactly
the people who support a source), every act has its audit entry, each contribution's status says
whether it feeds a proposal.
"""

from __future__ import annotations

import re
import threading

import pytest

from contrib.core import undo
from contrib.core.errors import Conflict, ContribError, InvalidInput, NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    ContributionStatus,
    Notification,
    Proposal,
    ProposalSource,
    ProposalSupport,
    Role,
    Support,
    SupportOrigin,
    User,
)
from contrib.moderation import hiding as moderation
from contrib.participation import supports
from contrib.proposals import services as proposals

ACTION_PREFIX = "proposals:proposal:"


class Ledger:
    """Runs moderation acts and checks the invariants after each one."""

    def __init__(self):
        self.n_contributions = self._count(Contribution)
        self.n_acts = 0

    @staticmethod
    def _count(model) -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(model))

    def act(self, function, *args, **kwargs):
        result = function(*args, **kwargs)
        self.n_acts += 1
        self.check()
        return result

    def undo(self, entry_id: int, actor: User) -> AuditEntry:
        return self.act(undo.undo_act, entry_id, actor=actor)

    def check(self) -> None:
        db.session.expire_all()
        n_contributions = self._count(Contribution)
        assert n_contributions >= self.n_contributions, "a contribution disappeared"
        self.n_contributions = n_contributions
        entries = db.session.scalar(
            db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action.startswith(ACTION_PREFIX))
        )
        assert entries == self.n_acts, "every act (and every undo/redo) has exactly one audit entry"
        doubles = db.session.execute(
            db.select(ProposalSupport.proposal_id, ProposalSupport.user_id)
            .group_by(ProposalSupport.proposal_id, ProposalSupport.user_id)
            .having(db.func.count() > 1)
        ).all()
        assert doubles == [], "nobody is counted twice for a proposal"
        sources = dict(db.session.execute(db.select(ProposalSource.contribution_id, ProposalSource.proposal_id)).all())
        for contribution in db.session.scalars(db.select(Contribution)):
            feeds = contribution.id in sources
            assert (contribution.status == ContributionStatus.MERGED) == feeds, (
                f"contribution {contribution.id}: status {contribution.status} but feeds={feeds}"
            )
        for proposal in db.session.scalars(db.select(Proposal)):
            carried = set(
                db.session.scalars(
                    db.select(ProposalSupport.user_id).where(
                        ProposalSupport.proposal_id == proposal.id, ProposalSupport.origin == SupportOrigin.CARRIED
                    )
                )
            )
            own_sources = [c for c, p in sources.items() if p == proposal.id]
            if not proposal.is_live:
                assert own_sources == [] and carried == set(), f"proposal {proposal.id} is not live but holds data"
                continue
            assert own_sources, f"live proposal {proposal.id} has no source"
            expected = set(
                db.session.scalars(db.select(Support.user_id).where(Support.contribution_id.in_(own_sources)))
            )
            assert carried == expected, f"proposal {proposal.id}: supporters {carried} != {expected}"


def _entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == ACTION_PREFIX + action).order_by(AuditEntry.id)
    ).all()


def _status(contribution_id: int) -> ContributionStatus:
    return db.session.get(Contribution, contribution_id).status


@pytest.fixture
def scene(factory):
    """A process with five contributions by five authors; u1 supports c1 and c2 (must count once)."""
    process = factory.process()
    authors = [factory.user() for _ in range(5)]
    contributions = [
        factory.contribution(process, author_id=author.id, text=f"Idée numéro {n}")
        for n, author in enumerate(authors, 1)
    ]
    u1, u2, u3 = factory.user(), factory.user(), factory.user()
    for user, indexes in ((u1, (0, 1)), (u2, (1,)), (u3, (2,))):
        for index in indexes:
            assert supports.support(contributions[index].id, user=user)
    ledger = Ledger()
    return {
        "process": process,
        "authors": authors,
        "c": [c.id for c in contributions],
        "u": [u1.id, u2.id, u3.id],
        "moderator": factory.user(Role.MODERATOR),
        "ledger": ledger,
        "themes": [process.themes[0].id, process.themes[1].id],
    }


def _create(scene, ids, title="Former les formateurs au numérique", **overrides):
    arguments = {"text": "Une proposition consolidée.", "theme_ids": scene["themes"][:1], "priority": "high"}
    arguments.update(overrides)
    return scene["ledger"].act(
        proposals.create_from_contributions,
        scene["process"].id,
        ids,
        title,
        arguments["text"],
        arguments["theme_ids"],
        arguments["priority"],
        moderator=scene["moderator"],
    )


def test_create_merges_contributions_credits_and_notifies_then_undo_and_redo(app, scene):
    c, u, moderator, ledger = scene["c"], scene["u"], scene["moderator"], scene["ledger"]
    proposal = _create(scene, [c[0], c[1]])
    assert proposal.priority.label == "Haute" and proposal.status.label == "À l'étude"
    assert [s.id for s in proposals.sources_of(proposal.id)] == [c[0], c[1]]
    assert proposals.supporter_ids(proposal.id) == sorted([u[0], u[1]]), "u1 supports two sources, counted once"
    assert _status(c[0]) == ContributionStatus.MERGED
    message = db.session.scalar(db.select(Notification.message).where(Notification.user_id == scene["authors"][0].id))
    assert (
        message
        == f"Votre contribution n° {c[0]} a été intégrée à la proposition « Former les formateurs au numérique »."
    )
    entry = _entries("create")[0]
    assert entry.target_id == proposal.id and entry.before == {
        "statuses": {str(c[0]): "published", str(c[1]): "published"}
    }
    assert entry.after["contribution_ids"] == [c[0], c[1]] and entry.after["title"] == proposal.title

    ledger.undo(entry.id, moderator)
    assert _status(c[0]) == ContributionStatus.PUBLISHED and proposals.supporter_ids(proposal.id) == []
    with pytest.raises(NotFound):
        proposals.get_proposal(proposal.id)
    assert db.session.get(Proposal, proposal.id) is not None, "never deleted: the id is not reused"

    ledger.undo(_entries("create:undo")[0].id, moderator)  # redo
    assert proposals.get_proposal(proposal.id).is_live
    assert [s.id for s in proposals.sources_of(proposal.id)] == [c[0], c[1]]
    assert proposals.supporter_ids(proposal.id) == sorted([u[0], u[1]])
    assert len(_entries("create:redo")) == 1


def test_add_then_undo_and_redo(app, scene):
    c, u, moderator, ledger = scene["c"], scene["u"], scene["moderator"], scene["ledger"]
    proposal = _create(scene, [c[0]])
    ledger.act(proposals.add_contributions, proposal.id, [c[2], c[1]], moderator=moderator)
    assert [s.id for s in proposals.sources_of(proposal.id)] == [c[0], c[1], c[2]]
    assert proposals.supporter_ids(proposal.id) == sorted(u)
    add = _entries("add")[0]
    ledger.undo(add.id, moderator)
    assert [s.id for s in proposals.sources_of(proposal.id)] == [c[0]]
    assert _status(c[2]) == ContributionStatus.PUBLISHED
    assert proposals.supporter_ids(proposal.id) == [u[0]]
    ledger.undo(_entries("add:undo")[0].id, moderator)
    assert proposals.supporter_ids(proposal.id) == sorted(u)


def test_remove_then_undo_and_redo_and_the_last_source_stays(app, scene):
    c, u, moderator, ledger = scene["c"], scene["u"], scene["moderator"], scene["ledger"]
    proposal = _create(scene, [c[1], c[2]])
    ledger.act(proposals.remove_contribution, proposal.id, c[2], moderator=moderator)
    assert _status(c[2]) == ContributionStatus.PUBLISHED
    assert proposals.supporter_ids(proposal.id) == sorted([u[0], u[1]])
    with pytest.raises(Conflict, match="dernière contribution"):
        proposals.remove_contribution(proposal.id, c[1], moderator=moderator)
    with pytest.raises(NotFound, match=f"n° {c[4]} ne fait pas partie"):
        proposals.remove_contribution(proposal.id, c[4], moderator=moderator)
    ledger.undo(_entries("remove")[0].id, moderator)
    assert _status(c[2]) == ContributionStatus.MERGED and proposals.supporter_ids(proposal.id) == sorted(u)
    ledger.undo(_entries("remove:undo")[0].id, moderator)
    assert _status(c[2]) == ContributionStatus.PUBLISHED


def test_merge_moves_sources_and_supporters_once_then_undo_and_redo(app, scene, factory):
    c, u, moderator, ledger = scene["c"], scene["u"], scene["moderator"], scene["ledger"]
    first = _create(scene, [c[0]], title="Première", theme_ids=[scene["themes"][0]])
    second = _create(scene, [c[1], c[2]], title="Seconde", theme_ids=[scene["themes"][1]])
    # u1 supports c1 (first) and c2 (second): after the merge, one supporter, not two.
    kept = ledger.act(proposals.merge_proposals, first.id, second.id, moderator=moderator)
    assert kept.id == second.id
    db.session.expire_all()
    absorbed = db.session.get(Proposal, first.id)
    assert absorbed.merged_into_id == second.id and not absorbed.is_live
    assert proposals.final_proposal(absorbed).id == second.id
    assert [s.id for s in proposals.sources_of(second.id)] == [c[0], c[1], c[2]]
    assert proposals.supporter_ids(second.id) == sorted(u) and proposals.supporter_ids(first.id) == []
    assert {t.id for t in db.session.get(Proposal, second.id).themes} == set(scene["themes"])
    message = db.session.scalars(
        db.select(Notification.message).where(Notification.user_id == scene["authors"][0].id).order_by(Notification.id)
    ).all()[-1]
    assert message.endswith("intégrée à la proposition « Seconde ».")
    with pytest.raises(Conflict, match="fusionnée dans la proposition"):
        proposals.add_contributions(first.id, [c[3]], moderator=moderator)

    ledger.undo(_entries("merge")[0].id, moderator)
    db.session.expire_all()
    assert db.session.get(Proposal, first.id).is_live
    assert [s.id for s in proposals.sources_of(first.id)] == [c[0]]
    assert [t.id for t in db.session.get(Proposal, second.id).themes] == [scene["themes"][1]]
    assert proposals.supporter_ids(first.id) == [u[0]]
    ledger.undo(_entries("merge:undo")[0].id, moderator)
    assert db.session.get(Proposal, first.id).merged_into_id == second.id
    assert proposals.supporter_ids(second.id) == sorted(u)


def test_merge_refusals(app, scene, factory):
    c, moderator = scene["c"], scene["moderator"]
    first = _create(scene, [c[0]])
    with pytest.raises(InvalidInput, match="elle-même"):
        proposals.merge_proposals(first.id, first.id, moderator=moderator)
    other_process = factory.process()
    elsewhere = proposals.create_from_contributions(
        other_process.id,
        [factory.contribution(other_process).id],
        "Ailleurs",
        "Texte",
        [other_process.themes[0].id],
        "low",
        moderator=moderator,
    )
    scene["ledger"].n_acts += 1
    with pytest.raises(InvalidInput, match="même démarche"):
        proposals.merge_proposals(first.id, elsewhere.id, moderator=moderator)
    with pytest.raises(NotFound):
        proposals.merge_proposals(first.id, 999_999, moderator=moderator)
    scene["ledger"].check()


def test_split_moves_chosen_sources_then_undo_and_redo(app, scene):
    c, u, moderator, ledger = scene["c"], scene["u"], scene["moderator"], scene["ledger"]
    original = _create(scene, [c[0], c[1], c[2]])
    new = ledger.act(
        proposals.split, original.id, [c[1], c[2]], "Volet financement", "Le second volet.", moderator=moderator
    )
    assert [s.id for s in proposals.sources_of(new.id)] == [c[1], c[2]]
    assert [s.id for s in proposals.sources_of(original.id)] == [c[0]]
    # u1 supports c1 (original) and c2 (new): once in each.
    assert proposals.supporter_ids(original.id) == [u[0]]
    assert proposals.supporter_ids(new.id) == sorted(u)
    assert new.priority == original.priority and [t.id for t in new.themes] == [t.id for t in original.themes]
    with pytest.raises(InvalidInput, match="au moins une contribution dans la proposition d'origine"):
        proposals.split(original.id, [c[0]], "Tout", "Tout part", moderator=moderator)
    with pytest.raises(InvalidInput, match=f"n° {c[4]} ne fait pas partie"):
        proposals.split(original.id, [c[4]], "Autre", "Autre", moderator=moderator)

    ledger.undo(_entries("split")[0].id, moderator)
    assert [s.id for s in proposals.sources_of(original.id)] == [c[0], c[1], c[2]]
    with pytest.raises(NotFound):
        proposals.get_proposal(new.id)
    assert proposals.supporter_ids(original.id) == sorted(u) and proposals.supporter_ids(new.id) == []
    ledger.undo(_entries("split:undo")[0].id, moderator)
    assert [s.id for s in proposals.sources_of(new.id)] == [c[1], c[2]]


def test_undo_refused_while_a_later_act_depends_on_it(app, scene):
    c, moderator, ledger = scene["c"], scene["moderator"], scene["ledger"]
    first = _create(scene, [c[0]])
    second = _create(scene, [c[1]])
    ledger.act(proposals.add_contributions, first.id, [c[2]], moderator=moderator)
    ledger.act(proposals.merge_proposals, first.id, second.id, moderator=moderator)
    create_first, add, merge = _entries("create")[0], _entries("add")[0], _entries("merge")[0]

    with pytest.raises(undo.Blocked, match=f"acte n° {add.id}") as blocked:
        undo.undo_act(create_first.id, actor=moderator)
    assert [entry.id for entry in blocked.value.blocking] == [add.id, merge.id]
    with pytest.raises(undo.Blocked, match=f"acte n° {merge.id}"):
        undo.undo_act(add.id, actor=moderator)
    ledger.check()  # a refused undo changes nothing and writes nothing

    for entry in (merge, add, create_first):  # in reverse order, each undo is allowed
        ledger.undo(entry.id, moderator)
    assert [s.id for s in proposals.sources_of(second.id)] == [c[1]]
    assert _status(c[0]) == _status(c[2]) == ContributionStatus.PUBLISHED


def test_undo_of_a_removal_blocked_when_the_contribution_went_elsewhere(app, scene):
    c, moderator, ledger = scene["c"], scene["moderator"], scene["ledger"]
    first = _create(scene, [c[0], c[1]])
    ledger.act(proposals.remove_contribution, first.id, c[1], moderator=moderator)
    _create(scene, [c[1]])
    with pytest.raises(undo.Blocked, match=f"acte n° {_entries('create')[1].id}"):
        undo.undo_act(_entries("remove")[0].id, actor=moderator)


def test_redo_refused_when_a_contribution_was_taken_since(app, scene):
    c, moderator, ledger = scene["c"], scene["moderator"], scene["ledger"]
    _create(scene, [c[0]])
    ledger.undo(_entries("create")[0].id, moderator)
    _create(scene, [c[0]], title="Une autre")
    with pytest.raises(Conflict, match=f"n° {c[0]} \\(déjà dans la proposition"):
        undo.undo_act(_entries("create:undo")[0].id, actor=moderator)
    ledger.check()


@pytest.mark.parametrize(
    "case, message",
    [
        ("empty", "Sélectionnez au moins une contribution."),
        ("unknown", "Contribution n° 987654 introuvable."),
        ("other_process", "n'appartient pas à la démarche"),
        ("hidden", "est masquée : rétablissez-la ou retirez-la de la sélection."),
        ("taken", "déjà dans la proposition n°"),
    ],
)
def test_bad_selections_are_refused_naming_the_contributions(app, scene, factory, case, message):
    c, moderator = scene["c"], scene["moderator"]
    if case == "empty":
        ids = []
    elif case == "unknown":
        ids = [c[0], 987654]
    elif case == "other_process":
        ids = [c[0], factory.contribution(factory.process()).id]
    elif case == "hidden":
        moderation.hide(c[3], "Hors sujet", moderator=moderator)
        ids = [c[0], c[3]]
    else:
        _create(scene, [c[4]])
        ids = [c[0], c[4]]
    n_proposals = db.session.scalar(db.select(db.func.count(Proposal.id)))
    with pytest.raises(ContribError) as error:
        proposals.create_from_contributions(
            scene["process"].id, ids, "Titre", "Texte", scene["themes"], "medium", moderator=moderator
        )
    assert message in error.value.message
    if case in {"other_process", "hidden", "taken"}:
        assert f"n° {ids[1]}" in error.value.message, "the message names the contribution at fault"
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == n_proposals
    assert _status(c[0]) == ContributionStatus.PUBLISHED


@pytest.mark.parametrize(
    "title, text, themes, priority, message",
    [
        ("   ", "Texte", None, "high", "Titre : ce champ est obligatoire"),
        ("Titre", "<script>alert(1)</script>", None, "high", "balises HTML"),
        ("Titre", "x" * 10_000_000, None, "high", "c'est trop long (maximum 10000)"),
        ("Titre", "Texte", [], "high", "Choisissez au moins une thématique."),
        ("Titre", "Texte", None, "urgentissime", "Choisissez une priorité"),
    ],
)
def test_hostile_input_is_refused_and_nothing_changes(app, scene, title, text, themes, priority, message):
    c = scene["c"]
    with pytest.raises(InvalidInput, match=re.escape(message)):
        proposals.create_from_contributions(
            scene["process"].id,
            [c[0]],
            title,
            text,
            scene["themes"] if themes is None else themes,
            priority,
            moderator=scene["moderator"],
        )
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0
    assert _status(c[0]) == ContributionStatus.PUBLISHED


def test_sql_looking_text_is_kept_verbatim(app, scene):
    text = '\'; DROP TABLE proposals; -- et 1=1 OR "x"="x"'
    proposal = _create(scene, [scene["c"][0]], title="Robert'); DROP TABLE contributions;--", text=text)
    db.session.expire_all()
    stored = db.session.get(Proposal, proposal.id)
    assert stored.text == text and stored.title == "Robert'); DROP TABLE contributions;--"


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.FACILITATOR])
def test_participants_and_facilitators_cannot_merge(app, scene, factory, role):
    c = scene["c"]
    someone = factory.user(role)
    with pytest.raises(NotAllowed):
        proposals.create_from_contributions(
            scene["process"].id, [c[0]], "Titre", "Texte", scene["themes"], "low", moderator=someone
        )
    proposal = _create(scene, [c[0], c[1]])
    for attempt in (
        lambda: proposals.add_contributions(proposal.id, [c[2]], moderator=someone),
        lambda: proposals.remove_contribution(proposal.id, c[1], moderator=someone),
        lambda: proposals.split(proposal.id, [c[1]], "T", "T", moderator=someone),
        lambda: undo.undo_act(_entries("create")[0].id, actor=someone),
    ):
        with pytest.raises(NotAllowed):
            attempt()
    scene["ledger"].check()


def test_stale_page_is_refused(app, scene):
    c, moderator, ledger = scene["c"], scene["moderator"], scene["ledger"]
    proposal = _create(scene, [c[0]])
    seen = proposal.version
    ledger.act(proposals.add_contributions, proposal.id, [c[1]], moderator=moderator, expected_version=seen)
    with pytest.raises(Conflict, match="modifiée par quelqu'un d'autre"):
        proposals.add_contributions(proposal.id, [c[2]], moderator=moderator, expected_version=seen)


def test_later_supports_and_withdrawals_carry_to_the_proposal_once(app, scene, factory):
    c, u, ledger = scene["c"], scene["u"], scene["ledger"]
    proposal = _create(scene, [c[0], c[1]])
    newcomer = factory.user()
    supports.support(c[0], user=newcomer)
    supports.support(c[1], user=newcomer)
    ledger.check()
    assert newcomer.id in proposals.supporter_ids(proposal.id) and proposals.n_supporters(proposal.id) == 3
    supports.withdraw(c[0], user=newcomer)
    ledger.check()
    assert newcomer.id in proposals.supporter_ids(proposal.id), "still supports c2"
    supports.withdraw(c[1], user=newcomer)
    ledger.check()
    assert newcomer.id not in proposals.supporter_ids(proposal.id)
    assert proposals.supporter_ids(proposal.id) == sorted([u[0], u[1]])


def test_two_moderators_adding_the_same_contribution_at_once(app, scene, factory):
    """Two sessions race to put one contribution into two proposals: one wins, the other gets French."""
    c, moderator, ledger = scene["c"], scene["moderator"], scene["ledger"]
    first, second = _create(scene, [c[0]]), _create(scene, [c[1]])
    other_moderator = factory.user(Role.MODERATOR)
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def add(proposal_id, moderator_id):
        with app.app_context():
            try:
                actor = db.session.get(User, moderator_id)
                db.session.get(Proposal, proposal_id)  # both sessions have read the state before acting
                db.session.get(Contribution, c[2])
                barrier.wait(10)
                proposals.add_contributions(proposal_id, [c[2]], moderator=actor)
                outcomes[proposal_id] = "ok"
            except ContribError as error:
                outcomes[proposal_id] = error
            except Exception as error:
                outcomes[proposal_id] = repr(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=add, args=(first.id, moderator.id)),
        threading.Thread(target=add, args=(second.id, other_moderator.id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    results = list(outcomes.values())
    assert results.count("ok") == 1, outcomes
    loser = next(result for result in results if result != "ok")
    assert isinstance(loser, Conflict), outcomes
    assert f"n° {c[2]}" in loser.message and ("quelqu'un d'autre" in loser.message or "déjà dans" in loser.message)
    ledger.n_acts += 1
    ledger.check()
    assert (
        db.session.scalar(db.select(db.func.count(ProposalSource.id)).where(ProposalSource.contribution_id == c[2]))
        == 1
    )

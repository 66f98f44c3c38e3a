"""The assistant's summary is given the duplicate groups the app's detection found (issue 20, synth12)."""

from __future__ import annotations

import csv

import pytest

from contrib.assistant import scopes
from contrib.assistant import services as assistant
from contrib.extensions import db
from contrib.models import DuplicateGroup, DuplicateMember, MessageKind, Role
from contrib.models.duplicates import DuplicateStatus
from tests.conftest import shared_data

ARTICLE_9 = "Article 9 - Libre accès aux publications scientifiques de la recherche publique"
PAIR_OPENINGS = (
    "Tout article scientifique issue de fond publique",
    "Il faut effectivement libérer les publications scientifiques",
)


def _group(process, members, *, status=DuplicateStatus.PENDING, excluded=()):
    group = DuplicateGroup(
        process_id=process.id, status=status, representative_id=members[0].id, score=0.5, reason="paraphrase"
    )
    group.members = [DuplicateMember(contribution_id=c.id, is_excluded=c in excluded) for c in members]
    db.session.add(group)
    db.session.commit()
    return group


def test_the_scope_carries_the_groups_not_dismissed_cut_to_its_contributions(factory):
    process = factory.process()
    c = [factory.contribution(process, text=f"Texte numéro {n} sur la formation.") for n in range(9)]
    _group(process, [c[0], c[1], c[2]], excluded=[c[2]])  # a member the moderator left out
    _group(process, [c[3], c[4]], status=DuplicateStatus.DISMISSED)  # not duplicates
    _group(process, [c[5], c[8]])  # c[8] is outside the scope: one member left
    _group(process, [c[6], c[7]], status=DuplicateStatus.CONFIRMED)
    scope = scopes.load_scope([x.id for x in c[:8]])
    assert scope.duplicate_groups == [[c[0].id, c[1].id], [c[6].id, c[7].id]]
    assert scope.metadata()["duplicate_groups"] == scope.duplicate_groups
    # Control: no group in the scope, no key given to the engine.
    alone = scopes.load_scope([c[3].id, c[4].id])
    assert alone.duplicate_groups is None and "duplicate_groups" not in alone.metadata()


@pytest.mark.parametrize("status", [DuplicateStatus.PENDING, DuplicateStatus.DISMISSED])
def test_a_reworded_pair_the_app_found_is_cited_by_the_summary_unless_dismissed(factory, status):
    """A real cluster (Article 9 of the République numérique bill) where the engine alone misses a reworded pair."""
    with shared_data("dev_republique_numerique.csv").open(encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["question"] == ARTICLE_9]
    process = factory.process()
    moderator = factory.user(Role.MODERATOR)
    contributions = [factory.contribution(process, title=r["title"], text=r["text"]) for r in rows]
    pair = [next(c for c in contributions if c.text.startswith(opening)) for opening in PAIR_OPENINGS]
    _group(process, pair, status=status)
    scope = scopes.resolve_scope(process, "selection", ",".join(str(c.id) for c in contributions))
    message = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    cited = {i for s in message.content["segments"] if s["status"] == "verifiee" for i in s["citations"]}
    assert cited, "the summary cites verified sentences"
    if status is DuplicateStatus.PENDING:
        assert cited & {c.id for c in pair}
    else:  # control: a dismissed group is not given, and the engine alone does not cite the pair
        assert not cited & {c.id for c in pair}

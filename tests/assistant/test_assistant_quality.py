"""« Cette citation est fausse » and the « Qualité de l'analyse » page: each figure from known inputs."""

from __future__ import annotations

import re

import pytest

import nlp
from contrib.assistant import scopes
from contrib.assistant import services as assistant
from contrib.extensions import db
from contrib.models import AuditEntry, CitationFlag, DuplicateGroup, MessageKind, Role
from contrib.models.duplicates import DuplicateStatus
from tests.conftest import finished_run

TEXTS = [
    "Les financements des OPCO arrivent trop tard, ce qui fragilise la trésorerie des organismes.",
    "Le CPF devrait financer les formations courtes des salariés des petites entreprises.",
    "Les OPCO remboursent les organismes de formation avec plusieurs mois de retard.",
    "Simplifier la certification Qualiopi pour les petits organismes de formation.",
]


@pytest.fixture
def scene(factory):
    process = factory.process(slug="tours")
    contributions = [factory.contribution(process, text=text) for text in TEXTS]
    return process, factory.user(Role.MODERATOR), contributions


def _scope(process, contributions):
    return scopes.resolve_scope(process, "selection", ",".join(str(c.id) for c in contributions))


def _figure(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', page).group(1).strip()


def _quality(client, process) -> str:
    response = client.get(f"/moderation/demarches/{process.slug}/qualite")
    assert response.status_code == 200
    return response.text


def test_a_false_citation_is_flagged_counted_and_undone_from_the_journal(scene, client, auth):
    process, moderator, contributions = scene
    scope = _scope(process, contributions)
    message = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    verified = [
        n for n, s in enumerate(message.content["segments"]) if s["kind"] == "phrase" and s["status"] == "verifiee"
    ]
    assert len(verified) >= 2
    auth.login(moderator)
    page = _quality(client, process)
    assert _figure(page, "phrases-verifiees") == str(len(verified)) and _figure(page, "citations-fausses") == "0"
    assert _figure(page, "exactitude") == "100 %"
    ids = ",".join(map(str, scope.ids))
    url = f"/moderation/demarches/{process.slug}/assistant/messages/{message.id}/phrases/{verified[0]}/fausse"
    response = client.post(url, data={"ids": ids})
    assert response.status_code == 302 and response.location.endswith(f"#message-{message.id}")
    assert "signalée comme fausse" in client.get(response.location).text
    flag = db.session.scalars(db.select(CitationFlag)).one()
    assert flag.sentence == message.content["segments"][verified[0]]["text"]
    page = _quality(client, process)
    assert _figure(page, "citations-fausses") == "1"
    expected = round((len(verified) - 1) / len(verified) * 100)
    assert _figure(page, "exactitude") == f"{expected} %"
    # A second flag on the same sentence, or one on a sentence that is not verified, changes nothing.
    client.post(url, data={"ids": ids})
    structure = next(n for n, s in enumerate(message.content["segments"]) if s["kind"] != "phrase")
    client.post(url.replace(f"/phrases/{verified[0]}/", f"/phrases/{structure}/"), data={"ids": ids})
    assert db.session.scalar(db.select(db.func.count(CitationFlag.id))) == 1
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "assistant:citation:flag")).one()
    assert "Citation de l&#39;assistant signalée comme fausse" in client.get("/moderation/journal").text
    client.post(f"/moderation/journal/{entry.id}/annuler")
    assert _figure(_quality(client, process), "citations-fausses") == "0"
    page = client.get(f"/moderation/demarches/{process.slug}/assistant?ids={ids}").text
    assert "signalée comme fausse" not in page


def test_duplicate_precision_per_tier_from_decisions(scene, client, auth):
    process, moderator, contributions = scene
    decided = {
        "exact": [DuplicateStatus.CONFIRMED] * 3 + [DuplicateStatus.DISMISSED],
        "paraphrase": [DuplicateStatus.CONFIRMED, DuplicateStatus.DISMISSED, DuplicateStatus.PENDING],
    }
    for reason, statuses in decided.items():
        for status in statuses:
            db.session.add(
                DuplicateGroup(
                    process_id=process.id,
                    status=status,
                    representative_id=contributions[0].id,
                    score=0.9,
                    reason=reason,
                )
            )
    db.session.commit()
    auth.login(moderator)
    page = _quality(client, process)
    rows = {reason: re.search(rf'id="niveau-{reason}">(.*?)</tr>', page, re.S).group(1) for reason in decided}
    assert re.findall(r"<td[^>]*>([^<]*)</td>", rows["exact"]) == ["3", "1", "0", "75 %"]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", rows["paraphrase"]) == ["1", "1", "1", "50 %"]
    near = re.search(r'id="niveau-near">(.*?)</tr>', page, re.S).group(1)
    assert "pas encore de donnée" in near


def test_clustering_stability_between_successive_runs(scene, client, auth):
    process, moderator, c = scene
    first = finished_run(process, {"a": c[:2], "b": c[2:]})
    second = finished_run(process, {"a": c[:2], "b": c[2:]})
    third = finished_run(process, {"a": c[:3], "b": c[3:]})
    second.previous_run_id, third.previous_run_id = first.id, second.id
    db.session.commit()
    auth.login(moderator)
    page = _quality(client, process)
    expected = nlp.co_assignment_stability(
        {x.id: k for k, xs in (("a", c[:2]), ("b", c[2:])) for x in xs},
        {x.id: k for k, xs in (("a", c[:3]), ("b", c[3:])) for x in xs},
    )
    assert expected < 1
    assert re.search(rf'id="calcul-{second.id}">.*?<td[^>]*>100 %</td>', page, re.S)
    assert re.search(rf'id="calcul-{third.id}">.*?<td[^>]*>{round(expected * 100)} %</td>', page, re.S)


def test_drafts_kept_vs_generated(scene, client, auth):
    process, moderator, contributions = scene
    scope = _scope(process, contributions)
    drafts = [assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator) for _ in range(2)]
    auth.login(moderator)
    page = _quality(client, process)
    assert _figure(page, "brouillons-generes") == "2" and _figure(page, "brouillons-utilises") == "0"
    response = client.post(
        f"/moderation/demarches/{process.slug}/propositions/nouvelle",
        data={
            "ids": [str(i) for i in scope.ids],
            "title": drafts[0].content["title"],
            "text": drafts[0].content["body"],
            "priority": "medium",
            "action": "creer",
            "brouillon": str(drafts[0].id),
            "theme_ids": str(process.themes[0].id),
        },
    )
    assert response.status_code == 302, response.text
    page = _quality(client, process)
    assert _figure(page, "brouillons-utilises") == "1" and _figure(page, "part-brouillons") == "50 %"

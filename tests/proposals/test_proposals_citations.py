"""Citations in proposals: checked when saved (create, split, edit), rendered as links, edits undoable,
and never printed by an export when they name something other than the proposal's sources."""

from __future__ import annotations

import csv
import io
import json

import pytest

from contrib.extensions import db
from contrib.models import AuditEntry, Proposal, Role
from contrib.plaidoyer import acts, document, placement
from contrib.plaidoyer import exports as plaidoyer_exports
from contrib.proposals import services as proposals
from tests.conftest import timed

BUDGET = "Il ne faut surtout pas supprimer le budget de la formation des demandeurs d'emploi."
OPCO = "Les financements des OPCO arrivent trop tard et fragilisent la trésorerie des organismes."


@pytest.fixture
def scene(factory):
    process = factory.process(slug="lille")
    c1 = factory.contribution(process, text=OPCO)
    c2 = factory.contribution(process, text=BUDGET)
    other = factory.contribution(process, text="Simplifier la certification Qualiopi.")
    return {"process": process, "c": [c1.id, c2.id], "other": other.id, "moderator": factory.user(Role.MODERATOR)}


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(Proposal.id)))


def _create(client, scene, text, **extra):
    return client.post(
        f"/moderation/demarches/{scene['process'].slug}/propositions/nouvelle",
        data={
            "ids": [str(i) for i in scene["c"]],
            "action": "creer",
            "title": "Financer à temps",
            "text": text,
            "theme_ids": [str(scene["process"].themes[0].id)],
            "priority": "medium",
            **extra,
        },
    )


def test_a_citation_to_no_contribution_is_refused_and_nothing_is_created(client, auth, scene):
    auth.login(scene["moderator"])
    response, seconds = timed(lambda: _create(client, scene, "Les financements des OPCO arrivent trop tard [#999]."))
    assert seconds < 1.0, "refused fast"
    assert response.status_code == 400
    assert "La citation [#999] ne correspond à aucune contribution de cette proposition." in response.text
    assert _count() == 0
    # A contribution that exists but is not among the selected sources is refused the same way.
    response = _create(client, scene, f"Simplifier Qualiopi [#{scene['other']}]. Voir aussi [#999].")
    assert response.status_code == 400
    assert f"Les citations [#{scene['other']}], [#999] ne correspondent à aucune contribution" in response.text
    assert _count() == 0
    # Control: the same text citing its own source is created.
    response = _create(client, scene, f"Les financements des OPCO arrivent trop tard [#{scene['c'][0]}].")
    assert response.status_code == 302 and _count() == 1


def test_an_unsupported_sentence_needs_a_reason_which_is_stored(client, auth, scene):
    auth.login(scene["moderator"])
    c1, c2 = scene["c"]
    text = f"Il faut supprimer le budget de la formation [#{c2}]. Les financements des OPCO arrivent trop tard [#{c1}]."
    response = _create(client, scene, text)
    assert response.status_code == 400 and _count() == 0
    assert "Il faut supprimer le budget de la formation" in response.text
    assert "dit le contraire" in response.text
    # French typography: no-break spaces before « : » and inside « » (checker v11), in the message and its reasons
    assert "cette phrase\u00a0: «\u00a0Il faut supprimer le budget de la formation.\u00a0» (" in response.text
    assert "dit le contraire\u00a0: «\u00a0" in response.text and " : «" not in response.text
    response = _create(client, scene, text, citation_reason="Formulation validée en plénière.")
    assert response.status_code == 302
    proposal = db.session.scalars(db.select(Proposal)).one()
    review = proposal.citation_review
    assert review["reason"] == "Formulation validée en plénière."
    assert [s["citations"] for s in review["sentences"]] == [[c2]]
    manage = client.get(response.headers["Location"])
    assert "Phrases gardées malgré la vérification des citations" in manage.text


def test_citations_render_as_links_with_a_preview(client, auth, scene):
    auth.login(scene["moderator"])
    c1 = scene["c"][0]
    _create(client, scene, f"Les financements des OPCO arrivent trop tard [#{c1}].")
    proposal = db.session.scalars(db.select(Proposal)).one()
    page = client.get(f"/propositions/{proposal.id}")
    assert f'href="/contributions/{c1}"' in page.text and f">n° {c1}</a>" in page.text
    assert 'role="tooltip"' in page.text and "fragilisent la trésorerie" in page.text
    assert f"[#{c1}]" not in page.text


def test_a_text_edit_is_checked_audited_and_undoable_from_the_journal(client, auth, scene):
    auth.login(scene["moderator"])
    c1 = scene["c"][0]
    _create(client, scene, f"Les financements des OPCO arrivent trop tard [#{c1}].")
    proposal = db.session.scalars(db.select(Proposal)).one()
    url = f"/moderation/demarches/{scene['process'].slug}/propositions/{proposal.id}/modifier"
    refused = client.post(
        url, data={"title": "Financer à temps", "text": "Voir [#999] pour le détail.", "version": str(proposal.version)}
    )
    assert refused.status_code == 400 and "La citation [#999]" in refused.text
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).text.startswith("Les financements")
    response = client.post(
        url,
        data={
            "title": "Payer les organismes à temps",
            "version": str(proposal.version),
            "text": f"Les financements des OPCO arrivent trop tard et fragilisent la trésorerie [#{c1}].",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Payer les organismes à temps"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "proposals:proposal:edit")).one()
    assert entry.before["title"] == "Financer à temps" and entry.after["title"] == "Payer les organismes à temps"
    assert "Modification du texte d&#39;une proposition" in client.get("/moderation/journal").text
    response = client.post(f"/moderation/journal/{entry.id}/annuler", follow_redirects=True)
    assert f"Acte n° {entry.id} annulé" in response.text
    db.session.expire_all()
    restored = db.session.get(Proposal, proposal.id)
    assert restored.title == "Financer à temps"
    assert restored.text == f"Les financements des OPCO arrivent trop tard [#{c1}]."


def test_split_checks_the_new_text_against_the_sources_it_takes(scene):
    c1, c2 = scene["c"]
    proposal = proposals.create_from_contributions(
        scene["process"].id,
        [c1, c2],
        "Deux idées",
        "Texte.",
        [scene["process"].themes[0].id],
        "medium",
        moderator=scene["moderator"],
    )
    with pytest.raises(Exception, match=rf"La citation \[#{c1}\] ne correspond"):
        proposals.split(
            proposal.id,
            [c2],
            "Budget",
            f"Les financements des OPCO arrivent trop tard [#{c1}].",
            moderator=scene["moderator"],
        )
    assert _count() == 1


def test_no_export_prints_a_citation_outside_the_proposal_sources(scene, factory):
    c1, c2 = scene["c"]
    proposal = proposals.create_from_contributions(
        scene["process"].id,
        [c1, c2],
        "Financer à temps",
        f"Les financements des OPCO arrivent trop tard [#{c1}].",
        [scene["process"].themes[0].id],
        "medium",
        moderator=scene["moderator"],
    )
    # A text saved before the check (or a frozen version) may still cite anything.
    proposal.text = (
        f"Les financements des OPCO arrivent trop tard [#{c1}, #999].\n\nSimplifier Qualiopi [#{scene['other']}]. "
        f"Ne pas supprimer le budget [#{c2}]."
    )
    db.session.commit()
    staff = factory.user(Role.STAFF)
    created = acts.create("Plaidoyer 2027", actor=staff)
    placement.add_proposal(created.id, proposal.id, actor=staff)
    content = document.document(document.get(created.id))
    for file_format in ("md", "html", "csv", "json"):
        data = plaidoyer_exports.render(
            content, file_format, meta=None, base_url="https://x.fr", stem="p"
        ).content.decode("utf-8-sig")
        if file_format == "csv":
            data = " ".join(row["proposition_texte"] for row in csv.DictReader(io.StringIO(data)))
        elif file_format == "json":
            data = json.dumps(json.loads(data), ensure_ascii=False)
        data = data.replace("\xa0", " ")  # printed documents join « n° » and its number with a no-break space
        for cited in (999, scene["other"]):
            assert f"#{cited}]" not in data and f"#{cited}," not in data and f"n° {cited}" not in data, file_format
        assert f"n° {c1}" in data and f"n° {c2}" in data, file_format
        assert "citation retirée" in data, file_format

"""The plaidoyer: assembly across events, provenance, undo/redo, versions and diff, exports read back."""

from __future__ import annotations

import csv
import io
import json

import pytest
from docx import Document
from pypdf import PdfReader

from contrib.core import undo
from contrib.core.errors import Conflict, InvalidInput, NotAllowed
from contrib.extensions import db
from contrib.models import (
    ActorType,
    AuditEntry,
    Contribution,
    PlaidoyerItem,
    Proposal,
    ProposalSource,
    ProposalStatus,
    Role,
)
from contrib.participation import supports
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import diff as diffs
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import exports as plaidoyer_exports
from contrib.plaidoyer import placement, publication, structure
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.proposals import services as proposals

BASE = "https://contrib.exemple.fr"


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def _retained(proposal: Proposal) -> Proposal:
    # Retaining is the prioritisation helper's act; here the data is set as it would leave it.
    proposal.status = ProposalStatus.RETAINED
    db.session.commit()
    return proposal


class World:
    """Two events in two regions; proposals on two themes (and a third theme in the second event)."""

    def __init__(self, factory):
        self.staff = factory.user(Role.STAFF)
        self.moderator = factory.user(Role.MODERATOR)
        people = [factory.user() for _ in range(3)]
        self.pessac = factory.process(slug="pessac", title="Rencontre de Pessac", region="Nouvelle-Aquitaine")
        self.rennes = factory.process(slug="rennes", title="Rencontre de Rennes", region="Bretagne")
        quality, funding = self.pessac.themes[0], self.pessac.themes[4]
        c1 = factory.contribution(
            self.pessac,
            theme_id=quality.id,
            actor_type=ActorType.TRAINING_ORG,
            text="Évaluer la qualité des formations avec les apprenants.",
        )
        c2 = factory.contribution(
            self.pessac,
            theme_id=quality.id,
            actor_type=ActorType.FUNDER,
            text="Des indicateurs de qualité communs à tous les financeurs.",
        )
        c3 = factory.contribution(
            self.pessac,
            theme_id=funding.id,
            actor_type=ActorType.TRAINING_ORG,
            text="Simplifier les appels d’offres « régionaux ».",
        )
        for person in people[:2]:
            supports.support(c1.id, user=person)
        supports.support(c2.id, user=people[1])  # counted once: already supports c1
        supports.support(c3.id, user=people[2])
        self.quality = _retained(
            proposals.create_from_contributions(
                self.pessac.id,
                [c1.id, c2.id],
                "Une qualité évaluée avec les apprenants",
                "Construire l’évaluation avec les apprenants et les financeurs.",
                [quality.id],
                "high",
                moderator=self.moderator,
            )
        )
        self.funding = _retained(
            proposals.create_from_contributions(
                self.pessac.id,
                [c3.id],
                "Des appels d’offres simplifiés",
                "Un cœur de règles « communes ».",
                [funding.id],
                "medium",
                moderator=self.moderator,
            )
        )
        self.under_review = proposals.create_from_contributions(
            self.pessac.id,
            [factory.contribution(self.pessac).id],
            "Encore à l'étude",
            "Pas encore retenue.",
            [quality.id],
            "low",
            moderator=self.moderator,
        )
        r_quality, r_jobs = self.rennes.themes[0], self.rennes.themes[6]
        r1 = factory.contribution(
            self.rennes,
            theme_id=r_quality.id,
            actor_type=ActorType.LEARNER,
            text="Les apprenants notent leurs formations.",
        )
        r2 = factory.contribution(
            self.rennes, theme_id=r_jobs.id, actor_type=ActorType.COMPANY, text="Former aux métiers en tension."
        )
        self.rennes_quality = _retained(
            proposals.create_from_contributions(
                self.rennes.id,
                [r1.id],
                "Des avis d'apprenants publiés",
                "Publier les avis.",
                [r_quality.id],
                "medium",
                moderator=self.moderator,
            )
        )
        self.rennes_jobs = _retained(
            proposals.create_from_contributions(
                self.rennes.id,
                [r2.id],
                "Former aux métiers en tension",
                "Des parcours courts.",
                [r_jobs.id],
                "high",
                moderator=self.moderator,
            )
        )
        self.n_contributions = _count(Contribution)
        self.n_sources = _count(ProposalSource)

    def check_invariants(self):
        """Nothing the plaidoyer does touches contributions or proposals; a proposal sits once per plaidoyer."""
        assert _count(Contribution) == self.n_contributions
        assert _count(ProposalSource) == self.n_sources
        pairs = db.session.execute(db.select(PlaidoyerItem.plaidoyer_id, PlaidoyerItem.proposal_id)).all()
        assert len(pairs) == len(set(pairs))


def _titles(document_id: int) -> list[tuple[str, list[int]]]:
    content = documents.document(documents.get(document_id))
    return [(section["title"], [p["id"] for p in section["proposals"]]) for section in content["sections"]]


def _assembled(world) -> int:
    document = plaidoyer_acts.create("Plaidoyer national 2026", actor=world.staff)
    placement.add_from_process(document.id, world.pessac.id, actor=world.staff)
    return document.id


def test_retained_proposals_of_an_event_fill_one_section_per_theme_with_provenance(world):
    document_id = _assembled(world)
    assert _titles(document_id) == [
        ("Évaluation/qualité", [world.quality.id]),
        ("Financements/priorisation", [world.funding.id]),
    ]
    content = documents.document(documents.get(document_id))
    origin = content["sections"][0]["proposals"][0]["provenance"]
    assert origin["n_sources"] == 2
    assert origin["n_supporters"] == 2  # three supports by two people
    assert origin["n_events"] == 1 and origin["events"][0]["title"] == "Rencontre de Pessac"
    assert origin["regions"] == ["Nouvelle-Aquitaine"]
    assert {(actor["label"], actor["n"]) for actor in origin["actor_types"]} == {
        ("Organisme de formation", 1),
        ("Financeur (Région, État, OPCO, France Travail)", 1),
    }
    assert [source["url"] for source in origin["sources"]] == [f"/contributions/{s['id']}" for s in origin["sources"]]
    line = publication.provenance_line(origin)
    assert "2 contributions sources" in line and "2 soutiens" in line and "Nouvelle-Aquitaine" in line
    world.check_invariants()


def test_a_new_event_adds_its_proposals_without_touching_the_rest(world):
    document_id = _assembled(world)
    funding_section = documents.document(documents.get(document_id))["sections"][1]["id"]
    plaidoyer_acts.rename_section(document_id, funding_section, "Financer autrement", actor=world.staff)
    plaidoyer_acts.move_section(document_id, funding_section, structure.UP, actor=world.staff)
    before = _titles(document_id)

    result = placement.add_from_process(document_id, world.rennes.id, actor=world.staff)

    assert (result.n_added, result.n_already, result.new_sections) == (2, 0, ["Métiers/compétences"])
    assert _titles(document_id) == [
        before[0],  # renamed and moved section untouched
        ("Évaluation/qualité", [world.quality.id, world.rennes_quality.id]),  # appended after what was there
        ("Métiers/compétences", [world.rennes_jobs.id]),
    ]
    with pytest.raises(Conflict, match="déjà dans le plaidoyer"):
        placement.add_from_process(document_id, world.rennes.id, actor=world.staff)
    world.check_invariants()


def test_single_proposals_are_checked_before_they_enter(world, factory):
    document_id = _assembled(world)
    with pytest.raises(Conflict, match="déjà dans la section « Évaluation/qualité »"):
        placement.add_proposal(document_id, world.quality.id, actor=world.staff)
    world.under_review.status = ProposalStatus.DISCARDED
    db.session.commit()
    with pytest.raises(InvalidInput, match="écartée"):
        placement.add_proposal(document_id, world.under_review.id, actor=world.staff)
    twin = proposals.create_from_contributions(
        world.pessac.id,
        [factory.contribution(world.pessac).id],
        "Jumelle",
        "La même idée.",
        [world.pessac.themes[0].id],
        "low",
        moderator=world.moderator,
    )
    proposals.merge_proposals(twin.id, world.quality.id, moderator=world.moderator)
    with pytest.raises(Conflict, match=f"fusionnée dans la proposition n° {world.quality.id}"):
        placement.add_proposal(document_id, twin.id, actor=world.staff)
    empty = factory.process(slug="vide")
    with pytest.raises(InvalidInput, match="aucune proposition retenue"):
        placement.add_from_process(document_id, empty.id, actor=world.staff)


def test_only_staff_assemble_and_moderators_cannot_undo_it(world):
    document_id = _assembled(world)
    for act in (
        lambda: plaidoyer_acts.create("Autre", actor=world.moderator),
        lambda: plaidoyer_acts.add_section(document_id, "Nouvelle", actor=world.moderator),
        lambda: plaidoyer_versions.snapshot(document_id, "v", actor=world.moderator),
        lambda: placement.remove_proposal(document_id, world.quality.id, actor=world.moderator),
    ):
        with pytest.raises(NotAllowed):
            act()
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == structure.PROCESS_ADD))
    with pytest.raises(NotAllowed):
        undo.undo_act(entry.id, actor=world.moderator)
    assert len(_titles(document_id)) == 2
    # The moderators' journal does not even offer it; staff see it.
    assert not undo.is_undoable(entry, world.moderator) and undo.is_undoable(entry, world.staff)


def test_every_structural_act_is_audited_undone_in_reverse_order_and_redone(world):
    document_id = _assembled(world)
    staff = world.staff
    states = [_titles(document_id)]
    sections = documents.document(documents.get(document_id))["sections"]
    acts = [
        lambda: plaidoyer_acts.add_section(document_id, "Annexes techniques", actor=staff),
        lambda: plaidoyer_acts.rename_section(document_id, sections[0]["id"], "Qualité", actor=staff),
        lambda: plaidoyer_acts.move_section(document_id, sections[1]["id"], structure.UP, actor=staff),
        lambda: placement.add_proposal(document_id, world.under_review.id, section_id=sections[1]["id"], actor=staff),
        lambda: placement.move_proposal(document_id, world.under_review.id, direction=structure.UP, actor=staff),
        lambda: placement.move_proposal(document_id, world.quality.id, to_section_id=sections[1]["id"], actor=staff),
        lambda: placement.remove_proposal(document_id, world.funding.id, actor=staff),
        lambda: plaidoyer_acts.remove_section(document_id, sections[0]["id"], actor=staff),
        lambda: plaidoyer_acts.update_text(document_id, "Plaidoyer 2026", "Pourquoi ce plaidoyer.", "", actor=staff),
    ]
    n_audit = _count(AuditEntry)
    for act in acts:
        act()
        states.append(_titles(document_id))
        assert states[-1] != states[-2] or act is acts[-1]
        world.check_invariants()
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.id > 0).order_by(AuditEntry.id.desc()).limit(len(acts))
    ).all()[::-1]
    assert _count(AuditEntry) == n_audit + len(acts)
    assert [entry.action for entry in entries] == [
        structure.SECTION_ADD,
        structure.SECTION_RENAME,
        structure.SECTION_MOVE,
        structure.PROPOSAL_ADD,
        structure.PROPOSAL_MOVE,
        structure.PROPOSAL_MOVE,
        structure.PROPOSAL_REMOVE,
        structure.SECTION_REMOVE,
        structure.EDIT,
    ]
    assert _titles(document_id)[0] == ("Financements/priorisation", [world.under_review.id, world.quality.id])

    with pytest.raises(undo.Blocked, match=f"l'acte n° {entries[1].id} .*et 7 autres"):
        undo.undo_act(entries[0].id, actor=staff)
    undo_entries = []
    for entry, state in zip(reversed(entries), reversed(states[:-1])):
        undo_entries.append(undo.undo_act(entry.id, actor=staff))
        assert _titles(document_id) == state
        world.check_invariants()
    assert documents.get(document_id).title == "Plaidoyer national 2026"
    for undo_entry, state in zip(reversed(undo_entries), states[1:]):
        undo.undo_act(undo_entry.id, actor=staff)  # redo
        assert _titles(document_id) == state
    assert documents.get(document_id).introduction == "Pourquoi ce plaidoyer."
    world.check_invariants()


def test_refusals_say_why_and_change_nothing(world):
    document_id = _assembled(world)
    sections = documents.document(documents.get(document_id))["sections"]
    before, n_audit = _titles(document_id), _count(AuditEntry)
    with pytest.raises(InvalidInput, match="déjà la première"):
        plaidoyer_acts.move_section(document_id, sections[0]["id"], structure.UP, actor=world.staff)
    with pytest.raises(InvalidInput, match="contient encore 1 proposition"):
        plaidoyer_acts.remove_section(document_id, sections[0]["id"], actor=world.staff)
    with pytest.raises(InvalidInput, match="déjà la dernière"):
        placement.move_proposal(document_id, world.quality.id, direction=structure.DOWN, actor=world.staff)
    with pytest.raises(InvalidInput, match="balises HTML"):
        plaidoyer_acts.add_section(document_id, "<b>Gras</b>", actor=world.staff)
    stale = documents.get(document_id).version - 1
    with pytest.raises(Conflict, match="quelqu'un d'autre"):
        plaidoyer_acts.add_section(document_id, "Trop tard", actor=world.staff, expected_version=stale)
    assert _titles(document_id) == before and _count(AuditEntry) == n_audit


def test_snapshot_freezes_the_document_and_the_diff_reads_word_by_word(world):
    document_id = _assembled(world)
    first = plaidoyer_versions.snapshot(document_id, "Après Pessac", actor=world.staff)
    frozen = json.loads(json.dumps(first.content))
    sections = frozen["sections"]
    plaidoyer_acts.update_text(
        document_id, "Plaidoyer national 2026", "Une introduction nouvelle.", "", actor=world.staff
    )
    plaidoyer_acts.move_section(document_id, sections[1]["id"], structure.UP, actor=world.staff)
    placement.add_from_process(document_id, world.rennes.id, actor=world.staff)
    placement.remove_proposal(document_id, world.funding.id, actor=world.staff)
    plaidoyer_acts.rename_section(document_id, sections[0]["id"], "Qualité des formations", actor=world.staff)
    # A moderator rewrites the proposal meanwhile (stored as is: the diff must escape it).
    world.quality.text = "Construire l’évaluation avec les apprenants <script>alert(1)</script> et les OPCO."
    db.session.commit()
    second = plaidoyer_versions.snapshot(document_id, "", actor=world.staff)

    assert (first.number, second.number, second.label) == (1, 2, "Version 2")
    assert plaidoyer_versions.get_version(document_id, first.id).content == frozen  # the first version did not move
    diff = diffs.diff(first.content, second.content)
    assert [label for label, _ in diff.texts] == ["Introduction"]
    assert diff.sections_added == ["Métiers/compétences"]
    assert diff.sections_renamed == [("Évaluation/qualité", "Qualité des formations")]
    assert [title for title, _, _ in diff.sections_moved] in (["Financements/priorisation"], ["Qualité des formations"])
    assert [(p[0], p[2]) for p in diff.proposals_added] == [
        (world.rennes_quality.id, "Qualité des formations"),
        (world.rennes_jobs.id, "Métiers/compétences"),
    ]
    assert [p[0] for p in diff.proposals_removed] == [world.funding.id]
    (change,) = diff.proposals_changed
    html = str(change.text_diff)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<ins>" in html and "<del>" in html and "OPCO." in html
    assert diffs.diff(second.content, second.content).is_empty


def _document_content(world):
    document_id = _assembled(world)
    plaidoyer_acts.update_text(
        document_id,
        "Plaidoyer national 2026",
        "Pourquoi « œuvrer » ensemble.\n\nDeuxième paragraphe.",
        "Conclusion : l’État et les Régions.",
        actor=world.staff,
    )
    placement.add_from_process(document_id, world.rennes.id, actor=world.staff)
    return documents.document(documents.get(document_id))


def _export(content, file_format, meta=None):
    return plaidoyer_exports.render(content, file_format, meta=meta, base_url=BASE, stem="plaidoyer").content


def test_docx_has_real_headings_in_order_provenance_and_annex(world):
    content = _document_content(world)
    document = Document(io.BytesIO(_export(content, "docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Plaidoyer national 2026")
    assert [text for style, text in headings if style == "Heading 1"] == [
        "Introduction",
        "1. Évaluation/qualité",
        "2. Financements/priorisation",
        "3. Métiers/compétences",
        "Conclusion",
        publication.ANNEX_TITLE,
    ]
    body_h2 = [text for style, text in headings if style == "Heading 2"]
    expected = [
        "Proposition 1 : Une qualité évaluée avec les apprenants",
        "Proposition 2 : Des avis d'apprenants publiés",
        "Proposition 3 : Des appels d’offres simplifiés",
        "Proposition 4 : Former aux métiers en tension",
    ]
    assert body_h2 == expected * 2  # the body, then the annex
    texts = [p.text for p in document.paragraphs]
    assert sum(text.startswith("Provenance : ") for text in texts) == 4
    assert any("2 contributions sources · 2 soutiens" in text for text in texts)
    annex = [p.text for p in document.paragraphs if p.text.startswith("Contribution n°\xa0")]
    assert len(annex) == content["totals"]["n_sources"] == 5
    assert any("Rencontre de Rennes (Bretagne)" in text and f"{BASE}/contributions/" in text for text in annex)
    assert "Pourquoi « œuvrer » ensemble." in texts and "Deuxième paragraphe." in texts


def test_pdf_text_keeps_french_characters_and_order(world):
    content = _document_content(world)
    reader = PdfReader(io.BytesIO(_export(content, "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Plaidoyer national 2026",
        "Évaluation/qualité",
        "« œuvrer »",
        "l’État",
        "appels d’offres",
        "Un cœur de règles « communes ».",
        "Rencontre de Rennes",
    ):
        assert expected in text, expected
    positions = [
        text.index(marker)
        for marker in (
            "Introduction",
            "1. Évaluation/qualité",
            "2. Financements/priorisation",
            "3. Métiers/compétences",
            "Conclusion",
            "Annexe",
        )
    ]
    assert positions == sorted(positions)

    def titles(outline):
        return [title for item in outline for title in (titles(item) if isinstance(item, list) else [item.title])]

    assert titles(reader.outline)[:3] == ["Plaidoyer national 2026", "Introduction", "1. Évaluation/qualité"]


def test_csv_and_json_carry_the_whole_provenance(world):
    content = _document_content(world)
    rows = list(csv.DictReader(io.StringIO(_export(content, "csv").decode("utf-8-sig"))))
    assert len(rows) == 5  # one per source contribution
    sources = {
        source["id"] for s in content["sections"] for p in s["proposals"] for source in p["provenance"]["sources"]
    }
    assert {int(row["contribution_id"]) for row in rows} == sources
    quality_rows = [row for row in rows if row["proposition_id"] == str(world.quality.id)]
    assert len(quality_rows) == 2 and {row["n_soutiens"] for row in quality_rows} == {"2"}
    assert all(row["contribution_url"].startswith(BASE + "/contributions/") for row in rows)
    assert {row["contribution_region"] for row in rows} == {"Nouvelle-Aquitaine", "Bretagne"}

    data = json.loads(
        _export(
            content, "json", meta={"number": 3, "label": "v3", "created_at": "2026-01-20T10:00:00", "author": "Équipe"}
        )
    )
    assert data["version"]["number"] == 3
    chain = [
        (p["id"], source["id"], event["slug"])
        for s in data["sections"]
        for p in s["proposals"]
        for source in p["provenance"]["sources"]
        for event in p["provenance"]["events"]
        if event["id"] == source["process_id"]
    ]
    assert {source for _, source, _ in chain} == sources
    assert {slug for _, _, slug in chain} == {"pessac", "rennes"}


def test_markdown_and_html_escape_user_text(world):
    document_id = _assembled(world)
    section = documents.document(documents.get(document_id))["sections"][0]["id"]
    plaidoyer_acts.rename_section(document_id, section, "Qualité *vraiment* < coûts & [lien](x)", actor=world.staff)
    content = documents.document(documents.get(document_id))
    markdown = _export(content, "md").decode()
    assert "## 1. Qualité \\*vraiment\\* \\< coûts & \\[lien\\](x)" in markdown
    assert "### Proposition 1 : Une qualité évaluée avec les apprenants" in markdown
    html = _export(content, "html").decode()
    assert "Qualité *vraiment* &lt; coûts &amp; [lien](x)" in html
    assert html.index("Annexe") > html.index("Proposition 2")


def test_the_sheet_importer_keeps_expat_although_python_docx_brings_lxml():
    import openpyxl.xml

    assert openpyxl.xml.lxml_available() and not openpyxl.xml.LXML


# --- pages ---------------------------------------------------------------------------------------


def test_staff_assemble_snapshot_compare_and_download_through_the_pages(client, auth, world):
    auth.login(world.staff)
    response = client.post("/plaidoyers/", data={"title": "Plaidoyer national"})
    document_id = int(response.location.rsplit("/", 1)[1])
    response = client.post(
        f"/plaidoyers/{document_id}/demarche", data={"process_id": world.pessac.id}, follow_redirects=True
    )
    assert "2 propositions retenues ajoutées" in response.text
    sections = documents.document(documents.get(document_id))["sections"]
    client.post(f"/plaidoyers/{document_id}/sections/{sections[1]['id']}/deplacer", data={"direction": "haut"})
    assert [title for title, _ in _titles(document_id)] == ["Financements/priorisation", "Évaluation/qualité"]
    response = client.post(
        f"/plaidoyers/{document_id}/propositions", data={"proposal_id": "n° 999999"}, follow_redirects=True
    )
    assert "Proposition n° 999999 introuvable." in response.text
    client.post(f"/plaidoyers/{document_id}/versions", data={"label": "Après Pessac"})
    client.post(f"/plaidoyers/{document_id}/sections/{sections[0]['id']}/deplacer", data={"direction": "haut"})
    version = plaidoyer_versions.versions(document_id)[0]
    response = client.get(f"/plaidoyers/{document_id}/comparaison?de={version.id}&a=actuel")
    assert (
        "Déplacée : «&nbsp;Évaluation/qualité&nbsp;» (rang 2 → 1)" in response.text
        or "Déplacée : «&nbsp;Financements/priorisation&nbsp;» (rang 1 → 2)" in response.text
    )
    response = client.get(f"/plaidoyers/{document_id}/versions/{version.id}/export.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="plaidoyer-{document_id}-v1.docx"'
    headings = [p.text for p in Document(io.BytesIO(response.data)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["1. Financements/priorisation", "2. Évaluation/qualité"]  # the version, not today's order
    page = client.get(f"/plaidoyers/{document_id}").text
    assert "Plaidoyer : section déplacée" in page and "Annuler" in page
    assert client.get(f"/plaidoyers/{document_id}/export.txt").status_code == 404
    exports = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == structure.EXPORT)).all()
    assert [entry.after for entry in exports] == [{"format": "docx", "version": 1}]


def test_moderators_are_refused_every_plaidoyer_page_and_nothing_changes(client, auth, world):
    document_id = _assembled(world)
    section = documents.document(documents.get(document_id))["sections"][0]["id"]
    before, n_audit = _titles(document_id), _count(AuditEntry)
    auth.login(world.moderator)
    for method, url, data in (
        ("get", f"/plaidoyers/{document_id}", None),
        ("get", f"/plaidoyers/{document_id}/export.docx", None),
        ("post", f"/plaidoyers/{document_id}/sections/{section}/deplacer", {"direction": "bas"}),
        ("post", f"/plaidoyers/{document_id}/propositions/{world.quality.id}/retirer", {}),
        ("post", f"/plaidoyers/{document_id}/demarche", {"process_id": world.rennes.id}),
    ):
        assert getattr(client, method)(url, data=data).status_code == 403
    assert _titles(document_id) == before and _count(AuditEntry) == n_audit


def test_numbers_beyond_the_database_are_refused_not_a_server_error(client, auth, world):
    """Ids past 2**63 overflowed SQLite's driver (a 500); they are now an unknown number like any other."""
    auth.login(world.staff)
    document_id = plaidoyer_acts.create("Plaidoyer national", actor=world.staff).id
    huge = "9223372036854775808"
    assert client.get(f"/plaidoyers/{huge}").status_code == 404
    assert client.get(f"/plaidoyers/{document_id}/comparaison?de={huge}").status_code == 200
    response = client.post(f"/plaidoyers/{document_id}/propositions", data={"proposal_id": huge}, follow_redirects=True)
    assert "Indiquez le numéro de la proposition (un nombre)." in response.text
    response = client.post(
        f"/plaidoyers/{document_id}/propositions", data={"proposal_id": "1", "section_id": huge}, follow_redirects=True
    )
    assert response.status_code == 200 and "Le formulaire a expiré" in response.text
    assert _titles(document_id) == []

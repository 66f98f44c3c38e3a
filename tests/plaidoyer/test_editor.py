"""The plaidoyer editor: proposals' texts shown and edited in place, actions in menus, correct French."""

from __future__ import annotations

import re

from contrib.core import undo
from contrib.extensions import db
from contrib.models import AuditEntry, Proposal
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import placement
from contrib.plaidoyer import versions as plaidoyer_versions


def _edit(client, document_id, proposal, **fields):
    data = {f"p{proposal.id}-{name}": value for name, value in fields.items()}
    data.setdefault(f"p{proposal.id}-version", proposal.version)
    return client.post(f"/plaidoyers/{document_id}/propositions/{proposal.id}/texte", data=data)


def test_the_editor_shows_each_proposal_text_and_its_actions_in_menus(client, auth, world, document_id):
    plaidoyer_acts.add_section(document_id, "Pour plus tard", actor=world.staff)
    auth.login(world.staff)
    page = client.get(f"/plaidoyers/{document_id}").text
    assert "Construire l’évaluation avec les apprenants et les financeurs." in page  # the proposal's text
    assert "Un cœur de règles « communes »." in page
    # Every act on a proposal sits inside a disclosure menu, none loose on the page.
    article = page[page.index(f'id="proposition-{world.quality.id}"') :]
    article = article[: article.index("</article>")]
    menus = article.count("<details") - article.count('<details class="options-full">')  # those: <noscript>
    assert menus == 2 and article.count("<button") == 5
    assert "<form" not in article[: article.index("<details")]
    # The last one is in <noscript>: a section's name cut in « Vers la section ».
    assert re.findall(r"<summary>([^<]+)", article) == [
        "Modifier le texte",
        "Déplacer ou retirer",
        "Lire en entier les choix coupés par «&nbsp;…&nbsp;»",
    ]
    assert "Section vide : elle n'apparaît pas dans les exports." in page
    assert ">Pour plus tard</h3>" in page and "None." not in page  # an empty section has no number
    version = plaidoyer_versions.snapshot(document_id, "Avec une section vide", actor=world.staff)
    frozen = client.get(f"/plaidoyers/{document_id}/versions/{version.id}").text
    assert ">Pour plus tard</h2>" in frozen and "Section vide (absente des exports)." in frozen
    assert "None." not in frozen


def test_a_proposal_text_is_edited_in_place_journaled_and_undoable(client, auth, world, document_id):
    auth.login(world.staff)
    proposal = world.funding
    title, text = "Des appels d’offres plus simples", "Des lots plus petits."
    response = _edit(client, document_id, proposal, title=title, text=text)
    assert response.status_code == 302 and response.location.endswith(f"#proposition-{proposal.id}")
    db.session.expire_all()
    assert (proposal.title, proposal.text) == (title, text)
    page = client.get(f"/plaidoyers/{document_id}").text
    assert f"Texte de la proposition n° {proposal.id} enregistré." in page and "Des lots plus petits." in page
    entry = db.session.scalar(db.select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry.action == "proposals:proposal:edit" and entry.actor_id == world.staff.id
    undo.undo_act(entry.id, actor=world.staff)
    db.session.expire_all()
    assert proposal.text == "Un cœur de règles « communes »."


def test_a_refused_edit_keeps_what_was_typed_open_and_changes_nothing(client, auth, world, document_id):
    auth.login(world.staff)
    proposal = world.funding
    n_audit = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    response = _edit(client, document_id, proposal, title="Titre gardé", text="Cite une autre [#999999].")
    assert response.status_code == 400
    assert "[#999999]" in response.text and 'value="Titre gardé"' in response.text
    assert re.search(r"<details class=\"action-menu\" open>\s*<summary>Modifier le texte", response.text)
    assert "Le formulaire n'a pas été enregistré" in response.text
    stale = _edit(client, document_id, proposal, title="Trop tard", text="Texte.", version=proposal.version - 1)
    assert stale.status_code == 400 and "Trop tard" in stale.text
    db.session.expire_all()
    assert proposal.title == "Des appels d’offres simplifiés"
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == n_audit


def test_only_staff_and_only_proposals_of_this_plaidoyer(client, auth, world, document_id):
    auth.login(world.moderator)
    assert _edit(client, document_id, world.funding, title="Non", text="Non.").status_code == 403
    auth.logout()
    auth.login(world.staff)
    outside = world.rennes_jobs  # a proposal that is not in this plaidoyer
    assert _edit(client, document_id, outside, title="Non", text="Non.").status_code == 404
    db.session.expire_all()
    assert db.session.get(Proposal, outside.id).title == "Former aux métiers en tension"
    assert world.funding.title == "Des appels d’offres simplifiés"


def test_comparisons_read_in_correct_french(client, auth, world, document_id):
    first = plaidoyer_versions.snapshot(document_id, "Après Pessac", actor=world.staff)
    placement.add_from_process(document_id, world.rennes.id, actor=world.staff)
    second = plaidoyer_versions.snapshot(document_id, "Après Rennes", actor=world.staff)
    auth.login(world.staff)
    base = f"/plaidoyers/{document_id}"
    page = client.get(f"{base}/comparaison?de={first.id}&a={second.id}").text
    assert "Changements de la version 1 « Après Pessac » à la version 2 « Après Rennes »." in page
    page = client.get(f"{base}/comparaison?de={second.id}&a=actuel").text
    assert "Changements de la version 2 « Après Rennes » au document actuel." in page
    page = client.get(f"{base}/comparaison?de=actuel&a={first.id}").text
    assert "Changements du document actuel à la version 1 « Après Pessac »." in page
    version_page = client.get(f"{base}/versions/{second.id}").text
    assert ">Comparer à la version 1</a>" in version_page and ">Comparer au document actuel</a>" in version_page
    versions_page = client.get(f"{base}/versions").text
    assert f"de={first.id}&amp;a={second.id}" in versions_page and ">à la version 1<" in versions_page
    for text in (page, version_page, versions_page):
        assert " au version" not in text and " au la " not in text
    assert documents.get(document_id).title == "Plaidoyer national 2026"


def test_the_editor_and_a_version_print_citations_as_the_exports_do(client, auth, world, document_id):
    """Does staff read « [n° 12] » in the editor and in a version, as in the PDF, rather than the raw « [#12] »?"""
    proposal = db.session.get(Proposal, world.quality.id)
    placed = documents.document(documents.get(document_id))["sections"][0]["proposals"][0]
    assert placed["id"] == proposal.id
    source_id = placed["provenance"]["sources"][0]["id"]
    proposal.text = f"Évaluer avec les apprenants [#{source_id}]. Une autre idée [#999999]."
    db.session.commit()
    auth.login(world.staff)
    version = plaidoyer_versions.snapshot(document_id, "Avec citations", actor=world.staff)
    for url in (f"/plaidoyers/{document_id}", f"/plaidoyers/{document_id}/versions/{version.id}"):
        page = client.get(url).text
        reading = page[page.index("Évaluer avec les apprenants") :]
        reading = reading[: reading.index("</p>")]
        assert f"Évaluer avec les apprenants [n° {source_id}]. Une autre idée [citation retirée]." == reading, url


def test_a_source_number_is_never_cut_from_its_n_in_the_editor_and_a_version(client, auth, world, document_id):
    """« Sources : n° 21, n° 28, n° » then « 33. » on the next line: the editor wrapped inside a reference."""
    sources = documents.document(documents.get(document_id))["sections"][0]["proposals"][0]["provenance"]["sources"]
    assert sources, "control: the proposal has sources"
    auth.login(world.staff)
    version = plaidoyer_versions.snapshot(document_id, "Sources", actor=world.staff)
    for url in (f"/plaidoyers/{document_id}", f"/plaidoyers/{document_id}/versions/{version.id}"):
        page = client.get(url).text
        listed = page[page.index("Sources :") :]
        listed = listed[: listed.index("</p>")]
        for source in sources:
            assert f">n°&nbsp;{source['id']}</a>" in listed, (url, source["id"])
            assert f">n° {source['id']}</a>" not in listed


def test_headings_quoting_a_title_keep_their_guillemets_with_it(client, auth, world, document_id):
    """A long title in « » wraps without leaving « or » alone at the start of a line (no-break spaces)."""
    auth.login(world.staff)
    version = plaidoyer_versions.snapshot(document_id, "Pour le comité", actor=world.staff)
    versions_page = client.get(f"/plaidoyers/{document_id}/versions").text
    assert "<h1>Versions de «&nbsp;Plaidoyer national 2026&nbsp;»</h1>" in versions_page
    version_page = client.get(f"/plaidoyers/{document_id}/versions/{version.id}").text
    assert f"<h1>Version {version.number} «&nbsp;Pour le comité&nbsp;»</h1>" in version_page


def test_the_link_beside_a_proposals_heading_says_it_leads_to_its_page(client, auth, world, document_id):
    """« Proposition 1 : … [n° 7] »: a second number with no word, read as the same rank; it is the page online."""
    auth.login(world.staff)
    page = client.get(f"/plaidoyers/{document_id}").text
    assert f'href="/propositions/{world.quality.id}">en ligne : n°&nbsp;{world.quality.id}</a></h4>' in page

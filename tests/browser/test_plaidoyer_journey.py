"""Staff assemble the plaidoyer in a real browser: menus, a proposal's text edited in place, a version,
the comparison, and the PDF (laid out by a real task-queue worker while its page waits) downloaded and read
back like a ministry reader would."""

import io
import re

from docx import Document
from playwright.sync_api import expect
from pypdf import PdfReader

from contrib.models import Role
from contrib.proposals import services as proposals
from tests.browser.test_accessibility import _serious_violations
from tests.browser.test_journeys import _login
from tests.conftest import Factory


def _download(page, link_name: str, tmp_path):
    page.get_by_text("Exporter", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name).click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    page.get_by_text("Exporter", exact=True).click()  # closes the menu again
    return download.suggested_filename, path.read_bytes()


def _download_pdf(page, tmp_path):
    """The « PDF » button (a POST: it queues a job) opens « Préparation du PDF… », which follows the worker and
    offers the file when ready."""
    page.get_by_text("Exporter", exact=True).click()
    page.get_by_role("button", name="PDF", exact=True).click()
    expect(page.get_by_role("heading", name="PDF prêt")).to_be_visible(timeout=120_000)
    assert _serious_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path.read_bytes()


def test_staff_assemble_edit_in_place_snapshot_compare_and_export(live_app, task_worker, page, tmp_path):
    with live_app.app_context():
        factory = Factory()
        staff, moderator = factory.user(Role.STAFF), factory.user(Role.MODERATOR)
        process = factory.process(slug="pessac", title="Rencontre de Pessac", region="Nouvelle-Aquitaine")
        for theme, title in (
            (process.themes[0], "Évaluer avec les apprenants"),
            (process.themes[4], "Des appels d’offres simplifiés"),
        ):
            factory.retained_proposal(process, theme, title, moderator, text="Un texte « soigné ».")
        email = staff.email

    _login(page, live_app.base_url, email)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Assembler le plaidoyer").click()
    page.get_by_label("Titre du plaidoyer").fill("Plaidoyer national 2026")
    page.get_by_role("button", name="Créer le plaidoyer").click()
    expect(page.get_by_text("Plaidoyer créé.")).to_be_visible()

    # Adding sits in a menu: closed, its form is out of the way.
    expect(page.get_by_label("Démarche", exact=True)).to_be_hidden()
    page.get_by_text("Ajouter des propositions", exact=True).click()
    page.get_by_label("Démarche", exact=True).select_option(label="Rencontre de Pessac")
    page.get_by_role("button", name="Ajouter les propositions retenues").click()
    expect(page.get_by_text("2 propositions retenues ajoutées")).to_be_visible()
    headings = page.locator(".plaidoyer-section h3")
    expect(headings).to_have_text(["1. Évaluation/qualité", "2. Financements/priorisation"])
    expect(page.locator(".plaidoyer-text")).to_have_text(["Un texte « soigné »."] * 2)  # the texts, shown
    expect(page.get_by_role("button", name="Descendre la section « Évaluation/qualité »")).to_be_hidden()

    page.get_by_text("Modifier la section « Évaluation/qualité »").click()
    page.get_by_role("button", name="Descendre la section « Évaluation/qualité »").click()
    expect(headings).to_have_text(["1. Financements/priorisation", "2. Évaluation/qualité"])

    # The first proposal's text, edited where it is read.
    page.get_by_text("Modifier le texte de la proposition 1").click()
    first = page.locator(".plaidoyer-proposals > li").first
    first.get_by_label("Texte").fill("Des lots plus petits, ouverts aux organismes de toute taille.")
    first.get_by_role("button", name="Enregistrer le texte").click()
    expect(page.get_by_text("Texte de la proposition n°")).to_be_visible()
    expect(page.locator(".plaidoyer-proposals > li").first.locator(".plaidoyer-text")).to_have_text(
        "Des lots plus petits, ouverts aux organismes de toute taille."
    )
    assert re.search(r"#proposition-\d+$", page.url)

    page.get_by_label("Nom de la version").fill("Après Pessac")
    page.get_by_role("button", name="Enregistrer la version").click()
    expect(page.get_by_text("Version 1 « Après Pessac » enregistrée.")).to_be_visible()
    page.get_by_role("link", name="au document actuel (la version 1)").click()
    expect(page.get_by_text("Changements de la version 1 « Après Pessac » au document actuel.")).to_be_visible()

    page.get_by_role("link", name="Plaidoyer national 2026").click()
    name, data = _download(page, "Word (DOCX)", tmp_path)
    assert name.endswith("-actuel.docx")
    document = Document(io.BytesIO(data))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"][:2] == [
        "Proposition 1 : Des appels d’offres simplifiés",
        "Proposition 2 : Évaluer avec les apprenants",
    ]
    assert document.core_properties.author.endswith("(CPOF)")

    name, data = _download_pdf(page, tmp_path)
    assert name.endswith("-actuel.pdf")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert "Plaidoyer national 2026" in pages[0] and "CPOF" in pages[0] and "Document de travail" in pages[0]
    assert "Sommaire" in pages[1] and re.search(r"1\. Financements/priorisation[ .]+\d+", pages[1])
    assert all(f"Page {n} sur {len(pages)}" in text for n, text in enumerate(pages[1:], 2))
    assert "Des lots plus petits" in "".join(pages) and not any("127.0.0.1" in text for text in pages)


def test_the_editor_with_every_menu_open_is_accessible_and_fits_a_phone(live_app, browser):
    with live_app.app_context():
        factory = Factory()
        staff, moderator = factory.user(Role.STAFF), factory.user(Role.MODERATOR)
        process = factory.process(slug="lyon", title="Rencontre de Lyon")
        proposal = proposals.create_from_contributions(
            process.id,
            [factory.contribution(process).id],
            "Une proposition au titre assez long pour passer sur plusieurs lignes d'un téléphone",
            "Premier paragraphe.\n\nSecond paragraphe, plus long, qui décrit la proposition en détail.",
            [process.themes[0].id],
            "high",
            moderator=moderator,
        )
        from contrib.plaidoyer import acts as plaidoyer_acts
        from contrib.plaidoyer import placement

        document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
        placement.add_proposal(document.id, proposal.id, actor=staff)
        plaidoyer_acts.add_section(document.id, "Section encore vide", actor=staff)
        email, url = staff.email, f"{live_app.base_url}/plaidoyers/{document.id}"

    problems = []
    for width, height in ((1280, 800), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        page = context.new_page()
        _login(page, live_app.base_url, email)
        page.goto(url)
        expect(page.get_by_role("heading", name="Plaidoyer national", level=1)).to_be_visible()
        page.evaluate("document.querySelectorAll('details').forEach(menu => menu.open = true)")
        expect(page.get_by_role("button", name="Enregistrer le texte de la proposition 1")).to_be_visible()
        # Each export, the PDF's button as its links, is a line of at least 44 px to tap.
        exports = page.locator(".exports a, .exports button")
        expect(exports).to_have_count(6)
        heights = {exports.nth(n).inner_text(): exports.nth(n).bounding_box()["height"] for n in range(6)}
        problems += [f"{width} px: export {name} is {h:.0f}px tall" for name, h in heights.items() if h < 44]
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"{width} px: scrolls sideways by {overflow}px")
        problems += [f"{width} px: {violation}" for violation in _serious_violations(page)]
        context.close()
    assert not problems, "\n".join(problems)

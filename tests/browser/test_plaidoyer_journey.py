"""Staff assemble the plaidoyer in a real browser: two sections, reorder, snapshot, DOCX download."""

from docx import Document
from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import ProposalStatus, Role
from contrib.proposals import services as proposals
from tests.browser.test_journeys import _login
from tests.conftest import Factory


def test_staff_assemble_reorder_snapshot_and_export_docx(live_app, page, tmp_path):
    with live_app.app_context():
        factory = Factory()
        staff, moderator = factory.user(Role.STAFF), factory.user(Role.MODERATOR)
        process = factory.process(slug="pessac", title="Rencontre de Pessac", region="Nouvelle-Aquitaine")
        for theme, title in (
            (process.themes[0], "Évaluer avec les apprenants"),
            (process.themes[4], "Des appels d’offres simplifiés"),
        ):
            proposal = proposals.create_from_contributions(
                process.id,
                [factory.contribution(process, theme_id=theme.id).id],
                title,
                "Un texte « soigné ».",
                [theme.id],
                "high",
                moderator=moderator,
            )
            proposal.status = ProposalStatus.RETAINED
        db.session.commit()
        email = staff.email

    _login(page, live_app.base_url, email)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Assembler le plaidoyer").click()
    page.get_by_label("Titre du plaidoyer").fill("Plaidoyer national 2026")
    page.get_by_role("button", name="Créer le plaidoyer").click()
    expect(page.get_by_text("Plaidoyer créé.")).to_be_visible()

    page.get_by_label("Démarche", exact=True).select_option(label="Rencontre de Pessac")
    page.get_by_role("button", name="Ajouter les propositions retenues").click()
    expect(page.get_by_text("2 propositions retenues ajoutées")).to_be_visible()
    headings = page.locator(".plaidoyer-section h3")
    expect(headings).to_have_text(["1. Évaluation/qualité", "2. Financements/priorisation"])

    page.get_by_role("button", name="Descendre la section « Évaluation/qualité »").click()
    expect(headings).to_have_text(["1. Financements/priorisation", "2. Évaluation/qualité"])

    page.get_by_label("Nom de la version").fill("Après Pessac")
    page.get_by_role("button", name="Enregistrer la version").click()
    expect(page.get_by_text("Version 1 « Après Pessac » enregistrée.")).to_be_visible()
    expect(page.get_by_role("link", name="Après Pessac")).to_be_visible()

    page.get_by_role("link", name="Plaidoyer national 2026").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Word (DOCX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-actuel.docx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    document = Document(str(path))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][:2] == [
        "1. Financements/priorisation",
        "2. Évaluation/qualité",
    ]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"][:2] == [
        "Proposition 1 : Des appels d’offres simplifiés",
        "Proposition 2 : Évaluer avec les apprenants",
    ]

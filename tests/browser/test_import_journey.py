"""A facilitator imports a workshop spreadsheet in a real browser, fixing a column in the preview."""

from openpyxl import Workbook
from playwright.sync_api import expect

from contrib.models import Role
from tests.browser.test_journeys import _login
from tests.conftest import Factory

ROWS = [
    ("Métiers/compétences", "Idée", "Créer un passeport des compétences des tuteurs en entreprise."),
    ("Financements/priorisation", "Diagnostic", "Les petits organismes renoncent aux appels d'offres régionaux."),
    ("Évaluation / qualité", "Proposition", "Mutualiser les audits qualité entre organismes voisins."),
    ("Ingénieries/pédagogie", "Idée", ""),  # empty text: shown as invalid, not imported
]


def test_facilitator_uploads_xlsx_fixes_mapping_and_imports(live_app, page, tmp_path):
    with live_app.app_context():
        factory = Factory()
        factory.process(slug="pessac", title="Rencontre de Pessac")
        email = factory.user(Role.FACILITATOR).email
    workbook = Workbook()
    sheet = workbook.active
    # "Ce que la table a écrit" is no known header: the facilitator maps it to Texte by hand.
    sheet.append(["Thématique", "Type", "Ce que la table a écrit"])
    for row in ROWS:
        sheet.append(list(row))
    path = tmp_path / "atelier-table-3.xlsx"
    workbook.save(path)

    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac")
    page.get_by_role("link", name="Importer une feuille d'atelier").click()
    page.get_by_label("Feuille d'atelier (CSV ou Excel .xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", name="Colonnes à indiquer")).to_be_visible()
    expect(page.get_by_role("button", name="Aucune ligne valide à importer")).to_be_disabled()

    page.get_by_label("Texte", exact=True).select_option(label="Ce que la table a écrit")
    page.get_by_role("button", name="Mettre à jour l'aperçu").click()
    expect(page.get_by_text("Aperçu mis à jour.")).to_be_visible()
    page.get_by_role("button", name="Importer les 3 lignes valides").click()
    expect(page.get_by_text("3 contributions importées ; 1 ligne ignorée.")).to_be_visible()

    page.goto(live_app.base_url + "/demarches/pessac")
    for *_, text in ROWS[:3]:
        expect(page.get_by_text(text)).to_be_visible()

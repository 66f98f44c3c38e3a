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


def test_the_file_box_speaks_french_in_an_english_browser(live_app, browser, tmp_path):
    """The browser draws its file box in its own language (« Choose File », « No file chosen »): the page shows
    a French button and says which file is chosen; the file still goes with the form."""
    with live_app.app_context():
        factory = Factory()
        factory.process(slug="pessac", title="Rencontre de Pessac")
        email = factory.user(Role.FACILITATOR).email
    path = tmp_path / "atelier.csv"
    path.write_text("Thématique;Type;Texte\nMétiers/compétences;Idée;Former les tuteurs.\n", encoding="utf-8")
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _login(page, live_app.base_url, email)
        page.goto(live_app.base_url + "/demarches/pessac/import")
        box = page.get_by_label("Feuille d'atelier (CSV ou Excel .xlsx)")
        expect(box).to_have_attribute("type", "file")
        assert box.bounding_box()["width"] <= 1, "the browser's own (English) box is out of sight"
        expect(page.get_by_text("Aucun fichier choisi.")).to_be_visible()
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choisir le fichier").click()
        chooser.value.set_files(str(path))
        expect(page.get_by_text("Fichier choisi : atelier.csv")).to_be_visible()
        page.get_by_role("button", name="Voir l'aperçu").click()
        expect(page.get_by_role("heading", name="Aperçu de « atelier.csv »")).to_be_visible()
    finally:
        context.close()

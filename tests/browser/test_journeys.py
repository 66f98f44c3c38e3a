"""Key journeys in a real browser."""

from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import Contribution
from contrib.services.processes import ProcessData, create_process


def test_register_post_and_see_the_contribution(live_app, page):
    """Register → post a contribution → see it on the process page."""
    with live_app.app_context():
        create_process(ProcessData(title="Rencontre régionale Nouvelle-Aquitaine", place="Pessac"),
                       actor=None, slug="pessac-2026")
    page.goto(live_app.base_url + "/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Nom affiché").fill("Nadia B.")
    page.get_by_label("Adresse e-mail").fill("nadia@exemple.fr")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide")
    page.get_by_label("Vous êtes").select_option("trainer")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Bienvenue ! Votre compte est créé.")).to_be_visible()

    page.get_by_role("link", name="Rencontre régionale Nouvelle-Aquitaine").click()
    page.get_by_role("link", name="Contribuer").click()
    page.get_by_label("Thématique").select_option(label="Ingénieries/pédagogie")
    page.get_by_label("Type de contribution").select_option("weak_signal")
    page.get_by_label("Votre contribution").fill("<b>Les apprenants</b> utilisent déjà l'IA générative.")
    page.get_by_role("button", name="Publier ma contribution").click()
    expect(page.get_by_text("les balises HTML")).to_be_visible()
    expect(page.get_by_label("Votre contribution")).to_have_value("<b>Les apprenants</b> utilisent déjà l'IA générative.")

    page.get_by_label("Votre contribution").fill("Les apprenants utilisent déjà l'IA générative pour leurs devoirs.")
    page.get_by_role("button", name="Publier ma contribution").click()
    expect(page.get_by_text("Merci ! Votre contribution est publiée.")).to_be_visible()

    page.get_by_role("link", name="Rencontre régionale Nouvelle-Aquitaine").click()
    expect(page.get_by_text("Les apprenants utilisent déjà l'IA générative")).to_be_visible()
    expect(page.locator(".contribution .tag", has_text="Signal faible")).to_be_visible()
    with live_app.app_context():
        assert db.session.execute(db.select(db.func.count(Contribution.id))).scalar() == 1


def test_phone_width_has_no_horizontal_scroll(live_app, browser):
    with live_app.app_context():
        create_process(ProcessData(title="Débat en ligne"), actor=None, slug="debat")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    for path in ("/", "/demarches/debat", "/inscription"):
        page.goto(live_app.base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a 360 px screen"
    context.close()

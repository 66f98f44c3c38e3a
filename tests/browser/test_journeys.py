"""Key journeys in a real browser."""

import re
import urllib.parse

from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import Contribution
from contrib.processes.services import ProcessData, create_process


def test_register_post_and_see_the_contribution(live_app, page):
    """Register → log in (unconfirmed: posting is allowed) → post a contribution → see it on the process page."""
    with live_app.app_context():
        create_process(
            ProcessData(title="Rencontre régionale Nouvelle-Aquitaine", place="Pessac"), actor=None, slug="pessac-2026"
        )
    page.goto(live_app.base_url + "/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Nom affiché").fill("Nadia B.")
    page.get_by_label("Adresse e-mail").fill("nadia@exemple.fr")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide")
    page.get_by_label("Formateur·rice").check()
    page.get_by_label("J'accepte la charte de participation").check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Un e-mail vous a été envoyé pour confirmer votre adresse")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill("nadia@exemple.fr")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Confirmez votre adresse e-mail pour que vos soutiens et votes comptent")).to_be_visible()

    page.get_by_role("link", name="Rencontre régionale Nouvelle-Aquitaine").click()
    page.get_by_role("link", name="Contribuer").click()
    page.get_by_label("Thématique").select_option(label="Ingénieries/pédagogie")
    page.get_by_label("Type de contribution").select_option("weak_signal")
    page.get_by_label("Votre contribution").fill("<b>Les apprenants</b> utilisent déjà l'IA générative.")
    page.get_by_role("button", name="Publier ma contribution").click()
    # Under the field itself (and listed in the summary at the top).
    expect(page.locator("#text-erreur")).to_contain_text("les balises HTML")
    expect(page.get_by_label("Votre contribution")).to_have_value(
        "<b>Les apprenants</b> utilisent déjà l'IA générative."
    )

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


def _login(page, base_url, email, password="mot-de-passe-solide"):
    page.goto(base_url + "/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_similar_ideas_appear_while_typing_and_can_be_supported(live_app, page):
    """Typing an idea that exists shows it (debounced JS); the person supports it instead."""
    from tests.conftest import Factory

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        existing = factory.contribution(
            process,
            theme_id=process.themes[4].id,
            title="Appels d'offres",
            text="Simplifier les appels d'offres régionaux pour les petits organismes de formation.",
        )
        email, existing_id = factory.user().email, existing.id
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac/contribuer")
    page.get_by_label("Votre contribution").press_sequentially(
        "Les appels d'offres de la Région sont trop complexes", delay=5
    )
    suggestions = page.locator("#similaires-en-direct")
    # The first query builds the process's similarity index: allow for a busy CI machine.
    expect(suggestions.get_by_role("link", name="Appels d'offres")).to_be_visible(timeout=30_000)
    suggestions.get_by_role("link", name="Appels d'offres").click()
    page.get_by_role("button", name="Soutenir").click()
    expect(page.get_by_text("Merci pour votre soutien !")).to_be_visible()
    expect(page.get_by_text("1 soutien", exact=True)).to_be_visible()
    with live_app.app_context():
        assert db.session.get(Contribution, existing_id).n_supports == 1


def test_similar_ideas_still_appear_under_a_long_accented_text(live_app, page):
    """A long text (its URL-encoded form past the server's 4,094-byte request line) still gets suggestions:
    the page sends only the start of it."""
    from tests.conftest import Factory

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        factory.contribution(
            process,
            title="Appels d'offres",
            text="Simplifier les appels d'offres régionaux pour les petits organismes de formation.",
        )
        email = factory.user().email
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac/contribuer")
    sent = []
    page.on("request", lambda request: "/similaires" in request.url and sent.append(request.url))
    long_text = "Les appels d'offres de la Région sont trop complexes. " + (
        "Les équipes pédagogiques dépensent énormément d'énergie à répondre à des cahiers des charges. " * 30
    )
    page.get_by_label("Votre contribution").fill(long_text)
    suggestions = page.locator("#similaires-en-direct")
    expect(suggestions.get_by_role("link", name="Appels d'offres")).to_be_visible(timeout=30_000)
    # gunicorn refuses a request line past 4,094 bytes (414, in English): every query stays well under.
    assert sent and all(len(url.encode()) < 3_800 for url in sent)
    assert len(urllib.parse.unquote(sent[-1].split("texte=")[1])) > 300  # control: not a token start


def test_a_reworded_idea_is_suggested_while_typing(live_app, page):
    """The same idea in other words (no content word in common) is suggested by its meaning."""
    from tests.conftest import Factory

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        for title, text in (
            ("TVA", "Baisser la TVA sur les produits de première nécessité pour redonner du pouvoir d'achat."),
            ("Pistes cyclables", "Développer les pistes cyclables sécurisées entre les villages."),
            ("Certification", "Simplifier les démarches de certification pour les petits organismes."),
        ):
            factory.contribution(process, title=title, text=text)
        factory.contribution(
            process,
            theme_id=process.themes[2].id,
            title="Préparation",
            text="Financer le temps de préparation des intervenants",
        )
        email = factory.user().email
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac/contribuer")
    page.get_by_label("Votre contribution").press_sequentially(
        "Rémunérer les formateurs qui conçoivent leurs cours", delay=5
    )
    suggestions = page.locator("#similaires-en-direct")
    expect(suggestions.get_by_role("link", name="Préparation")).to_be_visible(timeout=30_000)
    expect(suggestions.get_by_role("link")).to_have_count(1)  # the topics that merely share a word are not


def test_facilitator_enters_sheets_with_the_keyboard_only(live_app, page):
    """A facilitator types three sheets of one table in a row, keyboard only; the table stays filled."""
    from contrib.models import Role
    from tests.conftest import Factory

    with live_app.app_context():
        factory = Factory()
        factory.process(slug="pessac")
        email = factory.user(Role.FACILITATOR).email
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac/saisie-atelier")
    page.get_by_label("Table", exact=True).focus()
    page.keyboard.type("Table 4")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Tab")  # actor type: keep the default
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # first theme
    page.keyboard.press("Tab")  # kind: keep "Diagnostic"
    page.keyboard.press("Tab")
    page.keyboard.type("Les financements arrivent trop tard pour les entrées en formation.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("enregistrée pour Table 4")).to_be_visible()
    expect(page.get_by_label("Table", exact=True)).to_have_value("Table 4")
    for text in ("Manque de formateurs dans le BTP.", "Les OPCO financent trop peu les petites structures."):
        page.get_by_label("Texte de la contribution").focus()
        page.keyboard.type(text)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.get_by_text(text)).to_be_visible()
    with live_app.app_context():
        rows = db.session.execute(db.select(Contribution).order_by(Contribution.id)).scalars().all()
        assert [(c.table_label, c.n_table_participants, c.theme.name) for c in rows] == [
            ("Table 4", 5, "Évaluation/qualité")
        ] * 3


def _tab_to(page, *, element_id: str | None = None, text: str | None = None, limit: int = 80) -> None:
    """Press Tab until the focused element has this id or starts with this text; fail if never."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("({id: document.activeElement.id, text: document.activeElement.textContent.trim()})")
        if (element_id and focused["id"] == element_id) or (text and focused["text"].startswith(text)):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{focused} has no visible focus indicator"
            return
    raise AssertionError(f"Tab never reached {element_id or text!r}")


def test_participant_posts_and_supports_with_the_keyboard_only(live_app, page):
    """Log in, skip to the content, post and support another idea: Tab, typing, Enter and Space only."""
    from tests.conftest import Factory

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        other = factory.contribution(
            process,
            author_id=factory.user().id,
            text="Simplifier les appels d'offres régionaux pour les petits organismes.",
        )
        email, other_id = factory.user().email, other.id

    page.goto(live_app.base_url + "/connexion")
    _tab_to(page, element_id=page.get_by_label("Adresse e-mail").get_attribute("id"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type("mot-de-passe-solide")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(live_app.base_url + "/demarches/pessac")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    _tab_to(page, text="Contribuer")
    page.keyboard.press("Enter")

    _tab_to(page, element_id=page.get_by_label("Thématique").get_attribute("id"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # kind: keep the default
    page.keyboard.press("Tab")
    page.keyboard.type("Tutorat")
    page.keyboard.press("Tab")
    page.keyboard.type("Former les tuteurs en entreprise avant l'arrivée des apprentis.")
    _tab_to(page, text="Publier ma contribution")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Merci ! Votre contribution est publiée.")).to_be_visible()

    page.goto(live_app.base_url + "/demarches/pessac")
    _tab_to(page, text="Soutenir")
    page.keyboard.press("Space")
    expect(page.get_by_text("Merci pour votre soutien !")).to_be_visible()
    with live_app.app_context():
        posted = db.session.execute(db.select(Contribution).filter(Contribution.id != other_id)).scalar_one()
        assert (posted.title, posted.theme.position) == ("Tutorat", 0)
        assert db.session.get(Contribution, other_id).n_supports == 1


def test_the_text_box_counts_characters_and_says_when_a_text_is_too_long(live_app, page):
    """The count shows while typing (usability pass): over 5,000 characters it says by how much, before sending."""
    from tests.conftest import Factory

    with live_app.app_context():
        factory = Factory()
        factory.process(slug="pessac")
        email = factory.user().email
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac/contribuer")
    counter = page.locator("#text-compteur")
    expect(counter).to_have_text(re.compile(r"^0 caractère sur 5\s000$"))
    page.get_by_label("Votre contribution").fill("x" * 5010)
    expect(counter).to_have_text(re.compile(r"^5\s010 caractères : 10 de trop \(5\s000 au plus\)$"))
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    # The control: a text within the limit is counted, not flagged.
    page.get_by_label("Votre contribution").fill("Un texte court.")
    expect(counter).to_have_text(re.compile(r"^15 caractères sur 5\s000$"))
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))

"""Event day in a real browser: ballot cards on a phone, points voting with the counter, a facilitator
typing three sheets without the mouse then importing the downloaded template, a room of 60 logging in."""

from __future__ import annotations

import re
import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from werkzeug.serving import make_server

from contrib.extensions import db
from contrib.models import Contribution, DotAllocation, DotBallot, ImportedRow, PairwiseVote, Role
from contrib.prioritisation import plenary, proposal_life, votes
from contrib.proposals import services as proposals
from tests.browser.test_journeys import _login
from tests.conftest import PASSWORD, Factory, _empty_all_tables, clear_process_caches, make_app

PHONE = {"width": 375, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
TITLES = ("Financer la formation des formateurs", "Un guichet unique régional", "Former les tuteurs en entreprise")


def _plenary(app, mode="dots"):
    """A process with three proposals, a session on them, a staff member and a participant."""
    with app.app_context():
        factory = Factory()
        process = factory.process(slug="bordeaux", title="Rencontre de Bordeaux")
        moderator = factory.user(Role.MODERATOR)
        ids = [
            proposals.create_from_contributions(
                process.id,
                [factory.contribution(process, text=f"Texte : {title}").id],
                title,
                "Texte.",
                [process.themes[0].id],
                "medium",
                moderator=moderator,
            ).id
            for title in TITLES
        ]
        session = plenary.create_session(process.id, "Plénière de Bordeaux", mode, ids, moderator=moderator)
        return {
            "session": session.id,
            "ids": ids,
            "staff": factory.user(Role.STAFF).email,
            "participant": factory.user().email,
        }


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_voting_with_a_ballot_card_on_a_phone(live_app, browser):
    scene = _plenary(live_app)
    desk = browser.new_context(viewport=LAPTOP, locale="fr-FR")
    staff = desk.new_page()
    _login(staff, live_app.base_url, scene["staff"])
    staff.goto(f"{live_app.base_url}/plenieres/{scene['session']}/cartes")
    staff.get_by_label("Nombre de cartes à imprimer").fill("12")
    staff.get_by_role("button", name="Créer les cartes et les afficher pour impression").click()
    expect(staff.get_by_role("heading", name="12 cartes de vote à imprimer")).to_be_visible()
    codes = staff.locator(".ballot-card .code").all_inner_texts()
    assert len(codes) == 12 and all(re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code) for code in codes)
    staff.emulate_media(media="print")
    expect(staff.locator(".site-header")).to_be_hidden()  # the printed sheet is cards only
    staff.emulate_media(media="screen")

    # A phone "scans" the first card: the QR code holds the card's address.
    phone = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{live_app.base_url}/c/{codes[0].replace('-', '')}")
    expect(phone.get_by_text("Vous votez avec une carte de vote")).to_be_visible()
    expect(phone.locator(".budget")).to_have_text("10 points restants sur 10")
    plus = phone.get_by_role("button", name=f"Ajouter un point à « {TITLES[1]} »")
    for _ in range(7):
        plus.tap()
    phone.get_by_role("button", name=f"Ajouter un point à « {TITLES[0]} »").tap()
    expect(phone.locator(".budget")).to_have_text("2 points restants sur 10")
    _no_sideways_scroll(phone)
    phone.get_by_role("button", name="Voter").tap()
    expect(phone.locator(".flash-success")).to_contain_text("Votre vote est enregistré")

    # The same card typed on a second phone changes that one ballot.
    other = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True).new_page()
    other.goto(f"{live_app.base_url}/plenieres/{scene['session']}")
    other.get_by_label("Code de votre carte de vote").fill(codes[0].lower().replace("-", " "))
    other.get_by_role("button", name="Voter avec cette carte").tap()
    expect(other.get_by_role("spinbutton", name=TITLES[1], exact=True)).to_have_value("7")
    other.get_by_role("button", name=f"Retirer un point à « {TITLES[1]} »").tap()
    other.get_by_role("button", name="Modifier mon vote").tap()
    expect(other.locator(".flash-success")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count(DotBallot.id))) == 1
        assert sorted(db.session.scalars(db.select(DotAllocation.points))) == [1, 6]

    staff.goto(f"{live_app.base_url}/plenieres/{scene['session']}/cartes")
    expect(staff.locator("#utilisation")).to_contain_text("12 cartes imprimées, dont 1 déjà utilisée pour voter")
    desk.close()


def test_points_voting_with_the_counter_and_pairwise_progress(live_app, browser):
    scene = _plenary(live_app)
    context = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True)
    phone = context.new_page()
    _login(phone, live_app.base_url, scene["participant"])
    phone.goto(f"{live_app.base_url}/plenieres/{scene['session']}")
    budget = phone.locator(".budget")
    first_plus = phone.get_by_role("button", name=f"Ajouter un point à « {TITLES[0]} »")
    for _ in range(10):
        first_plus.tap()
    expect(budget).to_have_text("0 point restant sur 10")
    for title in TITLES:  # the budget is spent: every + is disabled
        expect(phone.get_by_role("button", name=f"Ajouter un point à « {title} »")).to_be_disabled()
    # Typing past the budget lowers the number to what remains; nothing is reset to zero.
    phone.get_by_role("button", name=f"Retirer un point à « {TITLES[0]} »").tap()
    phone.get_by_role("spinbutton", name=TITLES[2], exact=True).fill("9")
    expect(phone.get_by_role("spinbutton", name=TITLES[2], exact=True)).to_have_value("1")
    expect(phone.get_by_role("spinbutton", name=TITLES[0], exact=True)).to_have_value("9")
    expect(budget).to_have_text("0 point restant sur 10")
    # The counter stays in sight while scrolling the list (sticky).
    phone.get_by_role("button", name="Voter").scroll_into_view_if_needed()
    assert phone.evaluate("document.querySelector('.budget').getBoundingClientRect().top") >= 0
    _no_sideways_scroll(phone)
    phone.get_by_role("button", name="Voter").tap()
    expect(phone.locator(".flash-success")).to_contain_text("Votre vote est enregistré")
    expect(phone.get_by_role("spinbutton", name=TITLES[0], exact=True)).to_have_value("9")

    # Without JavaScript: the server refuses an over-budget ballot in French and keeps the numbers.
    plain = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False).new_page()
    _login(plain, live_app.base_url, scene["participant"])
    plain.goto(f"{live_app.base_url}/plenieres/{scene['session']}")
    expect(plain.get_by_role("button", name=f"Ajouter un point à « {TITLES[0]} »")).to_be_hidden()
    plain.get_by_role("spinbutton", name=TITLES[1], exact=True).fill("4")
    plain.get_by_role("button", name="Modifier mon vote").click()
    # Said beside the points (and listed in the summary at the top).
    refusal = "Vous avez donné 14 points : vous en avez 10 au plus."
    expect(plain.locator("form.dots #points-erreur")).to_have_text(refusal)
    expect(plain.locator("#erreurs")).to_contain_text(refusal)
    expect(plain.get_by_role("spinbutton", name=TITLES[1], exact=True)).to_have_value("4")
    expect(plain.get_by_role("spinbutton", name=TITLES[0], exact=True)).to_have_value("9")
    expect(plain.locator(".budget")).to_have_text("4 points de trop : retirez-en avant de voter")

    # Pairwise: the page counts the pairs judged.
    with live_app.app_context():
        factory = Factory()
        moderator = factory.user(Role.MODERATOR)
        process_id = plenary.get_session(scene["session"]).process_id
        pairwise = plenary.create_session(process_id, "Par paires", "pairwise", scene["ids"], moderator=moderator).id
    phone.goto(f"{live_app.base_url}/plenieres/{pairwise}")
    expect(phone.locator(".pair-progress")).to_contain_text("0 paire jugée sur 3")
    phone.locator(".pair button").first.tap()
    expect(phone.locator(".pair-progress")).to_contain_text("1 paire jugée sur 3")
    phone.locator(".pair button").first.tap()
    expect(phone.locator(".pair-progress")).to_contain_text("2 paires jugées sur 3")
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count(PairwiseVote.id))) == 2
    context.close()


def test_facilitator_enters_three_sheets_without_the_mouse_then_imports_the_template(live_app, page, tmp_path):
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac", title="Rencontre de Pessac")
        theme = process.themes[2].name
        email = factory.user(Role.FACILITATOR).email
    page.set_viewport_size(LAPTOP)
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/demarches/pessac/saisie-atelier")
    page.get_by_label("Table", exact=True).focus()
    page.keyboard.type("Table 7")
    page.keyboard.press("Tab")
    page.keyboard.type("6")
    page.keyboard.press("Tab")  # actor type: keep the default
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    texts = (
        "Les financements arrivent trop tard pour les entrées en formation.",
        "Manque de formateurs dans le BTP.",
        "Les OPCO financent trop peu les petites structures.",
    )
    for number, text in enumerate(texts, start=1):
        if number == 1:
            page.keyboard.press("Tab")  # kind
            page.keyboard.press("Tab")  # text
        else:
            # After a save, the cursor is already in the text box, on screen, and the page did not scroll.
            # Chromium applies ``autofocus`` at a rendering update after the page is parsed: wait for it.
            expect(page.locator("[name=text]")).to_be_focused()
            box = page.get_by_label("Texte de la contribution").bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], box
            assert page.evaluate("window.scrollY") == 0
        page.keyboard.type(text)
        page.keyboard.press("Tab")  # title
        page.keyboard.press("Tab")  # author
        page.keyboard.press("Tab")  # the button
        page.keyboard.press("Enter")
        # The first post may load the sentence encoder in the server: a generous wait.
        expect(page.get_by_text(f"n° {number} enregistrée pour Table 7")).to_be_visible(timeout=30_000)
    with live_app.app_context():
        rows = db.session.scalars(db.select(Contribution).order_by(Contribution.id)).all()
        assert [(c.text, c.table_label, c.n_table_participants, c.theme.name) for c in rows] == [
            (text, "Table 7", 6, theme) for text in texts
        ]

    # Import: the button on the process page, the blank Excel sheet, filled and sent back.
    page.goto(live_app.base_url + "/demarches/pessac")
    page.get_by_role("link", name="Importer une feuille d'atelier").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="modèle Excel (.xlsx)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook["Fiches"]
    sheet.append([theme, "Idée", "Mutualiser les audits qualité entre organismes voisins.", "", "Table 8", "", ""])
    sheet.append([theme, "Constat", "Les tuteurs manquent de temps pour accompagner.", "", "Table 8", "", ""])
    workbook.save(path)
    page.get_by_label("Feuille d'atelier (CSV ou Excel .xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_role("button", name="Importer les 2 lignes valides").click()
    page.get_by_role("link", name="Voir les 2 contributions importées").click()
    expect(page.get_by_role("heading", name=re.compile("Contributions importées"))).to_be_visible()
    expect(page.locator("ol.recent li")).to_have_count(2)
    expect(page.get_by_text("Mutualiser les audits qualité")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count(ImportedRow.id))) == 2


@pytest.fixture
def limited_live_app(migrated_database, tmp_path):
    """The real app with its rate limits on, served over HTTP in a thread."""
    app = make_app(
        migrated_database,
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        TASK_QUEUE=f"sqlite:///{tmp_path / 'tasks.sqlite3'}",
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    with app.app_context():
        _empty_all_tables()
        clear_process_caches()
        db.session.remove()


@pytest.mark.once
def test_a_room_of_sixty_logs_in_from_one_address(limited_live_app, browser):
    """60 people on one Wi-Fi log in one after the other: nobody is refused (only failures are counted)."""
    app = limited_live_app
    with app.app_context():
        factory = Factory()
        emails = [factory.user().email for _ in range(60)]
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    for email in emails:
        context.clear_cookies()
        _login(page, app.base_url, email, PASSWORD)
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    # Control: the limiter is on; the eleventh wrong password on one account is refused.
    context.clear_cookies()
    for _ in range(10):
        _login(page, app.base_url, emails[0], "mauvais-mot-de-passe")
        expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
    _login(page, app.base_url, emails[0], PASSWORD)
    expect(page.get_by_text("Trop de tentatives de connexion manquées pour ce compte")).to_be_visible()
    context.close()


def test_projector_titles_and_values_are_never_cut(live_app, browser):
    """At 1920 px (and on a phone), every label and value of the chart fits inside the drawing; the data
    table is there for screen readers but takes no room on screen."""
    long_title = (
        "Créer un fonds régional mutualisé pour financer la formation continue des formateurs indépendants "
        "et des petits organismes de formation du territoire"
    )
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="bordeaux")
        moderator = factory.user(Role.MODERATOR)
        ids = [
            proposals.create_from_contributions(
                process.id,
                [factory.contribution(process, text=f"Texte : {title}").id],
                title,
                "Texte.",
                [process.themes[0].id],
                "medium",
                moderator=moderator,
            ).id
            for title in (long_title, "Un guichet unique régional")
        ]
        session = plenary.create_session(process.id, "Plénière", "dots", ids, moderator=moderator).id
        for _ in range(3):
            voter = factory.user()
            votes.cast_dots(session, {ids[0]: 10}, user=voter)
            proposal_life.support(ids[0], user=voter)  # the results chart then reads "… % · 3 soutiens"
    for viewport in ({"width": 1920, "height": 1080}, {"width": 360, "height": 740}):
        page = browser.new_context(viewport=viewport, locale="fr-FR").new_page()
        for path in ("/demarches/bordeaux/resultats", f"/plenieres/{session}/projection"):
            page.goto(live_app.base_url + path)
            assert page.locator("svg.bars text").count() >= 4
            overflow = page.evaluate(
                """() => Array.from(document.querySelectorAll('svg.bars text')).map(t => {
                     const box = t.getBBox(); return box.x < 0 || box.x + box.width > 400 ? t.textContent : null;
                   }).filter(Boolean)"""
            )
            assert overflow == [], f"{path} cut at {viewport['width']} px: {overflow}"
        words = " ".join(page.locator("svg.bars text.bar-label").first.locator("tspan").all_text_contents())
        assert words == f"1. {long_title}"  # every word drawn, none dropped for an ellipsis
        expect(page.locator("svg.bars text.bar-value").first).to_have_text("30 points")
        assert page.locator(".chart-data-wrap").bounding_box()["width"] <= 1
        expect(page.get_by_role("table")).to_have_count(1)  # still in the accessibility tree
        _no_sideways_scroll(page)
        page.context.close()

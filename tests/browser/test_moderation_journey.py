"""The moderator's journey in a real browser: a clustering run, duplicates, a proposal from three
contributions, undo, redo."""

import re

from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import Contribution, ContributionStatus, Role
from tests.browser.test_journeys import _login
from tests.conftest import Factory

COPIED = "Simplifier les appels d'offres régionaux pour que les petits organismes de formation puissent répondre."


def _statuses(live_app, ids):
    with live_app.app_context():
        return [db.session.get(Contribution, id_).status for id_ in ids]


def test_moderator_clusters_confirms_duplicates_merges_three_undoes_and_redoes(live_app, task_worker, page):
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        twins = [factory.contribution(process, theme_id=process.themes[index].id, text=COPIED) for index in (0, 4)]
        third = factory.contribution(
            process,
            theme_id=process.themes[4].id,
            title="Marchés publics",
            text="Les marchés publics de formation excluent les structures associatives.",
        )
        for _ in range(10):
            factory.contribution(process, text=f"Une autre idée sans rapport n° {factory._next()} sur le numérique.")
        ids = [twins[0].id, twins[1].id, third.id]
        third_id = third.id
        email = factory.user(Role.MODERATOR).email
    _login(page, live_app.base_url, email)
    main_menu = page.get_by_role("navigation", name="Navigation principale")

    main_menu.get_by_role("link", name="Modération").click()
    page.get_by_role("link", name="Regroupements").click()
    page.get_by_role("button", name="Lancer un regroupement").click()
    # The run's page follows it on the task queue (polling) and shows the clusters once it is done.
    expect(page.get_by_role("heading", name="Carte des contributions")).to_be_visible(timeout=60_000)
    page.locator("table a[href*='/regroupements/']").first.click()
    expect(page.get_by_role("link", name="Créer une proposition à partir de ce regroupement")).to_be_visible()

    main_menu.get_by_role("link", name="Modération").click()
    page.get_by_role("link", name="Doublons").click()
    page.get_by_role("button", name="Chercher les doublons").click()
    page.get_by_role("link", name="Groupe n°").first.click()
    page.get_by_role("button", name="Confirmer : une seule idée").click()
    expect(page.locator(".flash").first).to_contain_text("onfirm")

    page.get_by_role("link", name="Créer une proposition avec ce groupe").click()
    page.get_by_label("Mots recherchés").fill("marchés publics")
    page.get_by_role("button", name="Rechercher").click()
    page.locator(f"#resultat-{third_id}").check()
    page.get_by_label("Titre de la proposition").fill("Ouvrir les marchés publics aux petits organismes")
    page.get_by_label("Texte de la proposition").fill("Simplifier les appels d'offres et les ouvrir aux associations.")
    page.get_by_label("Priorité").select_option(label="Haute")
    page.get_by_role("button", name="Créer la proposition").click()
    expect(page.get_by_text("créée à partir de 3 contributions")).to_be_visible()
    assert _statuses(live_app, ids) == [ContributionStatus.MERGED] * 3

    page.goto(live_app.base_url + "/moderation/journal")
    page.locator(".journal-entry").first.get_by_role("button", name="Annuler").click()
    expect(page.get_by_text("annulé. L'annulation figure elle-même au journal")).to_be_visible()
    assert _statuses(live_app, ids) == [ContributionStatus.PUBLISHED] * 3

    page.locator(".journal-entry").first.get_by_role("button", name="Rétablir").click()
    expect(page.get_by_text("annulé. L'annulation figure elle-même au journal")).to_be_visible()
    assert _statuses(live_app, ids) == [ContributionStatus.MERGED] * 3
    page.goto(live_app.base_url + f"/contributions/{third_id}")
    expect(page.get_by_text("Intégrée à la proposition")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 13


def test_the_journal_filtered_by_person_and_act_then_paged(live_app, page):
    """Two moderators, 130 acts: the journal narrows to one person's hidings and pages through them by 50."""
    from contrib.moderation import hiding

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        sophie = factory.user(Role.MODERATOR, display_name="Sophie Modératrice")
        karim = factory.user(Role.MODERATOR, display_name="Karim Modérateur")
        for index in range(60):
            contribution = factory.contribution(process, text=f"Contribution à masquer n° {index}.")
            hiding.hide(contribution.id, "Hors sujet", moderator=sophie)
            hiding.restore(contribution.id, moderator=sophie)
        for index in range(10):
            contribution = factory.contribution(process, text=f"Autre contribution n° {index}.")
            hiding.hide(contribution.id, "Doublon", moderator=karim)
        email = sophie.email
    _login(page, live_app.base_url, email)
    page.goto(live_app.base_url + "/moderation/journal")
    expect(page.get_by_text("130 actes · 1 à 50 affichés")).to_be_visible()
    assert page.locator(".journal-entry").count() == 50
    expect(page.locator(".journal-sentence").first).to_contain_text("Karim Modérateur a masqué la contribution n°")

    page.get_by_label("Personne").select_option(label="Sophie Modératrice")
    page.get_by_label("Acte").select_option(label="Masquage d'une contribution")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("60 actes pour ces filtres · 1 à 50 affichés")).to_be_visible()
    sentences = page.locator(".journal-sentence").all_inner_texts()
    assert len(sentences) == 50
    assert all(re.fullmatch(r"Sophie Modératrice a masqué la contribution n° \d+\.", s) for s in sentences), sentences
    expect(page.locator(".journal-changes").first).to_contain_text("Motif du masquage")

    page.get_by_role("navigation", name="Pages du journal (bas)").get_by_role(
        "link", name="Plus anciens ›", exact=True
    ).click()
    expect(page.get_by_text("60 actes pour ces filtres · 51 à 60 affichés")).to_be_visible()
    assert page.locator(".journal-entry").count() == 10
    expect(page.get_by_label("Personne")).to_have_value(str(sophie.id))
    expect(page.get_by_text("Page 2 sur 2").first).to_be_visible()
    page.get_by_role("navigation", name="Pages du journal (haut)").get_by_role(
        "link", name="‹ Plus récents", exact=True
    ).click()
    expect(page.get_by_text("60 actes pour ces filtres · 1 à 50 affichés")).to_be_visible()


def test_the_journal_dates_are_typed_day_first_in_an_english_browser(live_app, browser):
    """A browser set to English still gets jj/mm/aaaa boxes; « 02/01/2026 » is the 2nd of January."""
    from datetime import UTC, datetime

    from contrib.models import AuditEntry
    from contrib.moderation import hiding

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        sophie = factory.user(Role.MODERATOR, display_name="Sophie Modératrice")
        for day in (datetime(2026, 1, 2, 10, tzinfo=UTC), datetime(2026, 1, 20, 10, tzinfo=UTC)):
            contribution = factory.contribution(process, text=f"Contribution masquée le {day:%d/%m}.")
            hiding.hide(contribution.id, "Hors sujet", moderator=sophie)
            entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            entry.created_at = day
        db.session.commit()
        email = sophie.email
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _login(page, live_app.base_url, email)
        page.goto(live_app.base_url + "/moderation/journal")
        expect(page.get_by_text("2 actes.")).to_be_visible()
        page.get_by_label("Du (jj/mm/aaaa)").fill("02/01/2026")
        page.get_by_label("Au (jj/mm/aaaa)").fill("2/1/2026")
        page.get_by_role("button", name="Filtrer").click()
        expect(page.get_by_text("1 acte pour ces filtres.")).to_be_visible()
        expect(page.locator(".journal-sentence")).to_contain_text("masqué la contribution")
        expect(page.locator(".journal-entry time")).to_contain_text("02/01/2026")
        expect(page.get_by_label("Au (jj/mm/aaaa)")).to_have_value("02/01/2026")

        page.get_by_label("Au (jj/mm/aaaa)").fill("31/02/2026")
        page.get_by_role("button", name="Filtrer").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Au : « 31/02/2026 » n'est pas une date ; écrivez le jour, le mois puis l'année (jj/mm/aaaa)"
        )
        expect(page.get_by_label("Au (jj/mm/aaaa)")).to_have_value("31/02/2026")
        expect(page.get_by_label("Au (jj/mm/aaaa)")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Du (jj/mm/aaaa)")).not_to_have_attribute("aria-invalid", "true")
    finally:
        context.close()

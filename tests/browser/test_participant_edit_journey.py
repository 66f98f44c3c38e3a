"""A participant corrects their contribution in a real browser, on a phone-sized screen, using the
header's menu; the earlier version stays readable under the contribution."""

from playwright.sync_api import expect

from tests.browser.test_journeys import _login
from tests.conftest import Factory


def test_a_participant_edits_their_contribution_on_a_phone(live_app, browser):
    from contrib.participation import contributions
    from contrib.participation.contributions import ContributionDraft

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac", title="Rencontre de Pessac")
        participant = factory.user(display_name="Nadia B.")
        posted = contributions.post_contribution(
            process.id,
            ContributionDraft(process.themes[0].id, "idea", "Les financemnts arrivent trop tard pour les petits OF."),
            author=participant,
        )
        email, contribution_id = participant.email, posted.id
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _login(page, live_app.base_url, email)
    page.wait_for_load_state()

    # The header is one line on a phone: the name and a "Menu" button that opens the links.
    header = page.locator(".site-header")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert header.bounding_box()["height"] < 80
    expect(page.get_by_role("link", name="Mes contributions")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Mes contributions").click()

    page.get_by_role("link", name="Les financemnts arrivent trop tard pour les petits OF.").click()
    page.get_by_role("link", name="Modifier ma contribution").click()
    expect(page.get_by_role("heading", name="Modifier ma contribution")).to_be_visible()
    text = page.get_by_label("Votre contribution")
    expect(text).to_have_value("Les financemnts arrivent trop tard pour les petits OF.")
    text.fill("")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_text("Le formulaire n'a pas été enregistré")).to_be_visible()  # empty text refused
    page.get_by_label("Votre contribution").fill("Les financements arrivent trop tard pour les petits organismes.")
    page.get_by_label("Titre (facultatif)").fill("Payer plus tôt")
    page.get_by_role("button", name="Enregistrer les modifications").click()

    expect(page.get_by_text("Votre contribution est modifiée")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payer plus tôt")
    expect(page.locator(".contribution-full .text")).to_have_text(
        "Les financements arrivent trop tard pour les petits organismes."
    )
    page.get_by_text("Versions précédentes (1)").click()
    expect(page.locator(".revisions")).to_contain_text("Les financemnts arrivent trop tard pour les petits OF.")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"

    # Someone else supports it: the author can no longer change the words they read.
    with live_app.app_context():
        from contrib.participation import supports

        supports.support(contribution_id, user=Factory().user(email="soutien@exemple.fr"))
    page.reload()
    expect(page.get_by_role("link", name="Modifier ma contribution")).to_have_count(0)
    expect(page.get_by_text("Vous ne pouvez plus modifier cette contribution")).to_be_visible()
    response = page.goto(f"{live_app.base_url}/contributions/{contribution_id}/modifier")
    assert response.status == 403
    context.close()


def test_without_javascript_the_menu_links_stay_visible(live_app, browser):
    with live_app.app_context():
        email = Factory().user().email
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    _login(page, live_app.base_url, email)
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Mes contributions")).to_be_visible()
    context.close()

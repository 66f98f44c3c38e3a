"""Staff's process form in a real browser: French dates in an English browser, themes readable on a phone."""

from datetime import date

from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import Process, Role
from tests.browser.test_journeys import _login
from tests.conftest import Factory

LONG_THEME = "Professionnels/acteurs de la formation"


def test_staff_types_a_process_date_day_first_in_an_english_browser_on_a_phone(live_app, browser):
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        assert LONG_THEME in [theme.name for theme in process.themes]
        process_id, email = process.id, factory.user(Role.STAFF).email
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _login(page, live_app.base_url, email)
        page.goto(f"{live_app.base_url}/admin/demarches/{process_id}")
        # Each theme's box shows its whole name (it was cut at « Professionnels/acteurs de »).
        boxes = page.locator(".theme-list input[name=name]")
        assert boxes.count() >= 2
        cut = boxes.evaluate_all("bs => bs.filter(b => b.scrollWidth > b.clientWidth).map(b => b.value)")
        assert cut == []
        assert LONG_THEME in boxes.evaluate_all("bs => bs.map(b => b.value)"), "control: the long name is there"
        # « Ouverte aux contributions »: the box is on its label's line.
        box = page.get_by_label("Ouverte aux contributions").bounding_box()
        label = page.locator("label[for=is_open]").bounding_box()
        assert label["y"] <= box["y"] + box["height"] / 2 <= label["y"] + label["height"], (box, label)
        assert box["x"] + box["width"] <= label["x"], "beside, before the label"

        page.get_by_label("Date de début").fill("05/03/2026")
        page.get_by_label("Date de fin").fill("31/02/2026")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".field-error")).to_have_text(
            "« 31/02/2026 » n'est pas une date ; écrivez le jour, le mois puis l'année (jj/mm/aaaa)."
        )
        expect(page.get_by_label("Date de fin")).to_have_value("31/02/2026")
        page.get_by_label("Date de fin").fill("06/03/2026")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".flash").first).to_be_visible()
        with live_app.app_context():
            stored = db.session.get(Process, process_id)
            assert (stored.starts_on, stored.ends_on) == (date(2026, 3, 5), date(2026, 3, 6))
    finally:
        context.close()

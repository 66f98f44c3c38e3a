"""The plaidoyer's toolbar: its two menus and its link to the versions read as one row of equal buttons."""

from contrib.models import Role
from contrib.plaidoyer import acts as plaidoyer_acts
from tests.browser.test_journeys import _login
from tests.conftest import Factory

BOXES = """() => Array.from(document.querySelectorAll(".plaidoyer-toolbar > details > summary, .plaidoyer-toolbar > a"))
  .map(element => { const box = element.getBoundingClientRect();
                    return {text: element.innerText, top: Math.round(box.top), height: Math.round(box.height)}; })"""


def test_the_toolbars_link_lines_up_with_its_menus(live_app, page):
    with live_app.app_context():
        staff = Factory().user(Role.STAFF)
        document_id = plaidoyer_acts.create("Plaidoyer national 2026", actor=staff).id
        email = staff.email
    page.set_viewport_size({"width": 1280, "height": 800})
    _login(page, live_app.base_url, email)
    page.goto(f"{live_app.base_url}/plaidoyers/{document_id}")
    boxes = page.evaluate(BOXES)
    assert [box["text"].rstrip(" ▾") for box in boxes] == [
        "Exporter",
        "Ajouter des propositions",
        "Versions et comparaison",
    ]
    assert len({box["top"] for box in boxes}) == 1 and len({box["height"] for box in boxes}) == 1, boxes

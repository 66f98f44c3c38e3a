"""A citation « [n° 114] » previews its contribution on a phone (usability pass 5): the preview stays inside the
screen, Escape closes it, and on a touch screen a first tap shows it and a second opens the contribution."""

from playwright.sync_api import expect

from contrib.models import Role
from contrib.proposals import services as proposals
from tests.conftest import Factory

PHONE = {"width": 375, "height": 740}
LONG = "La trésorerie des petits organismes de formation ne tient pas quand les financeurs paient à 90 jours."


def _proposal(live_app) -> tuple[int, list[int]]:
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        moderator = factory.user(Role.MODERATOR)
        ids = [factory.contribution(process, text=f"{LONG} Constat n° {n}.").id for n in range(4)]
        # Citations at several places along the lines, so that some sit near the right edge of a phone.
        text = " ".join(f"Les financeurs paient tard, dit le constat {n} [#{i}]." for n, i in enumerate(ids))
        created = proposals.create_from_contributions(
            process.id,
            ids,
            "Payer à temps",
            text,
            [process.themes[0].id],
            "medium",
            moderator=moderator,
            citation_reason="Test de l'aperçu.",
        )
        return created.id, ids


def test_the_preview_stays_on_a_phones_screen_closes_with_escape_and_opens_with_a_first_tap(live_app, browser):
    proposal_id, ids = _proposal(live_app)
    context = browser.new_context(viewport=PHONE, locale="fr-FR", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_app.base_url}/propositions/{proposal_id}")
    links = page.locator(".citation > a")
    expect(links).to_have_count(len(ids))
    near_the_edge = 0
    for n in range(len(ids)):
        link, tip = links.nth(n), page.locator(".citation-tip").nth(n)
        if link.bounding_box()["x"] + tip.evaluate("t => parseFloat(getComputedStyle(t).width)") > PHONE["width"]:
            near_the_edge += 1  # a preview starting at the link would leave the screen
        link.focus()
        expect(tip).to_be_visible()
        box = tip.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (n, box)
        page.keyboard.press("Escape")
        expect(tip).to_be_hidden()
    assert near_the_edge, "control: at least one citation sits where its preview would leave the screen"

    page.locator("h1").click()
    first, tip = links.nth(0), page.locator(".citation-tip").nth(0)
    first.tap()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Touchez à nouveau")
    assert page.url.endswith(f"/propositions/{proposal_id}")
    first.tap()
    page.wait_for_url(f"**/contributions/{ids[0]}")
    context.close()

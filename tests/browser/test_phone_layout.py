"""Pages read on a 375 px phone (usability pass, session 8): nothing scrolls sideways, and a table whose
column headers are hidden on a phone still says what each figure is."""

from playwright.sync_api import expect

from contrib.models import Role
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from contrib.plaidoyer import versions as plaidoyer_versions
from tests.browser.test_journeys import _login
from tests.conftest import Factory

PHONE = {"width": 375, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _retained_proposals(factory: Factory, process, moderator, theme_indexes) -> list[int]:
    """One retained proposal per theme; "Certifications/reconnaissance" (2) is the longest unbreakable word."""
    return [
        factory.retained_proposal(process, process.themes[i], f"Proposition sur {process.themes[i].name}", moderator).id
        for i in theme_indexes
    ]


def test_the_plaidoyer_editor_and_a_version_fit_a_phone_with_long_section_names(live_app, browser):
    with live_app.app_context():
        factory = Factory()
        staff, moderator = factory.user(Role.STAFF), factory.user(Role.MODERATOR)
        process = factory.process(slug="pessac", title="Rencontre de Pessac", region="Nouvelle-Aquitaine")
        _retained_proposals(factory, process, moderator, (2, 4))
        document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
        placement.add_from_process(document.id, process.id, actor=staff)
        version = plaidoyer_versions.snapshot(document.id, "Pour le comité", actor=staff)
        email, base = staff.email, f"{live_app.base_url}/plaidoyers/{document.id}"
        pages = {base: "Plaidoyer national", f"{base}/versions/{version.id}": "Version 1 « Pour le comité »"}

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    _login(page, live_app.base_url, email)
    problems = []
    for url, heading in pages.items():
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        # The control: the section's name is on the page, in a heading.
        expect(page.get_by_role("heading", name="Certifications/reconnaissance").first).to_be_visible()
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            problems.append(f"{url} scrolls sideways by {overflow}px at 375 px")
    context.close()
    assert not problems, "\n".join(problems)


def test_the_ranked_proposals_say_what_each_figure_is_on_a_phone(live_app, browser):
    with live_app.app_context():
        factory = Factory()
        moderator = factory.user(Role.MODERATOR)
        process = factory.process(slug="pessac", title="Rencontre de Pessac", region="Nouvelle-Aquitaine")
        _retained_proposals(factory, process, moderator, (0, 1))
        url = f"{live_app.base_url}/demarches/pessac/propositions"

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(url)
    row = page.locator("tr.ranked-row").first
    expect(row).to_be_visible()
    labels = row.locator("td").evaluate_all("cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
    # On a phone the headers are hidden: the bare "1" of the sources column must say what it counts.
    assert '"Contributions sources : "' in [label.replace("\u00a0", " ") for label in labels], labels
    assert '"Score : "' in [label.replace("\u00a0", " ") for label in labels], labels
    assert page.evaluate(OVERFLOW) <= 0
    # On a laptop the column headers are shown, so the cells carry no label (the control).
    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("columnheader", name="Contributions sources")).to_be_visible()
    assert set(row.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")) == {
        "none"
    }
    context.close()


def test_the_proposals_to_put_to_the_vote_have_checkboxes_big_enough_for_a_finger(live_app, browser):
    with live_app.app_context():
        factory = Factory()
        moderator = factory.user(Role.MODERATOR)
        process = factory.process(slug="pessac", title="Rencontre de Pessac")
        _retained_proposals(factory, process, moderator, (0, 1, 2))
        email = moderator.email

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    _login(page, live_app.base_url, email)
    page.goto(f"{live_app.base_url}/moderation/demarches/pessac/plenieres")
    boxes = page.locator("input[name=proposal_ids]")
    expect(boxes).to_have_count(3)
    sizes = [boxes.nth(i).bounding_box() for i in range(3)]
    assert all(box["width"] >= 18 and box["height"] >= 18 for box in sizes), sizes
    # The label beside the box ticks it too (a bigger target).
    page.get_by_text("Proposition sur Partenariats/écosystème").click()
    expect(page.get_by_label("Proposition sur Partenariats/écosystème", exact=False)).to_be_checked()
    assert page.evaluate(OVERFLOW) <= 0
    context.close()


# How many pixels of an input's placeholder would not show: typed as the value, which is laid out in the
# same inner box (beside the search field's clear button), the text scrolls by that much.
PLACEHOLDER_CUT = """input => {
  const typed = input.value;
  input.value = input.placeholder;
  const cut = input.scrollWidth - input.clientWidth;
  input.value = typed;
  return cut;
}"""


def test_the_search_box_shows_its_whole_example_on_a_phone_and_a_laptop(live_app, browser):
    with live_app.app_context():
        Factory().process(slug="pessac", title="Rencontre de Pessac")
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_app.base_url}/demarches/pessac")
    search = page.get_by_role("searchbox", name="Rechercher")
    expect(search).to_have_attribute("placeholder", "ex. : certification, OPCO")
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        cut = search.evaluate(PLACEHOLDER_CUT)
        assert cut <= 0, f"{cut:.0f} px of the example are hidden at {viewport['width']} px"
        # The control: the same measure finds the example too long for a box half as wide.
        search.evaluate("input => { input.style.width = (input.offsetWidth / 2) + 'px'; }")
        assert search.evaluate(PLACEHOLDER_CUT) > 0
        search.evaluate("input => { input.style.width = ''; }")
    assert page.evaluate(OVERFLOW) <= 0
    context.close()


# Controls in the page's main part lower than a finger (44 px): links inside a sentence are exempt.
SMALL_TARGETS = """selector => Array.from(document.querySelectorAll(selector))
  .map(element => [element, element.getBoundingClientRect()])
  .filter(([element, box]) => box.width && box.height < 43.5)
  .map(([element, box]) => `« ${element.textContent.trim().slice(0, 40)} » ${Math.round(box.height)} px`)"""


def test_a_moderator_on_a_phone_taps_the_tools_and_the_choices_of_a_duplicate_group(live_app, browser):
    """At 375 px: the tools of each process are 44 px targets (they were words of 18 px separated by « · »),
    the duplicate group's reference and keep choices are rows a finger ticks, the list of proposals says what
    each figure is."""
    from contrib.duplicates import services as duplicates

    with live_app.app_context():
        factory = Factory()
        moderator = factory.user(Role.MODERATOR)
        process = factory.process(slug="pessac", title="Rencontre de Pessac")
        for index in (0, 3):
            factory.contribution(process, theme_id=process.themes[index].id, text="Ouvrir les appels d'offres aux OF.")
        duplicates.detect(process.id, actor=moderator)
        group = duplicates.pending_groups(process.id)[0].id
        _retained_proposals(factory, process, moderator, (1, 2))
        email, base = moderator.email, live_app.base_url

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    _login(page, base, email)
    page.goto(f"{base}/moderation/")
    expect(page.get_by_role("link", name="Doublons").first).to_be_visible()
    assert page.locator("main td .link-list a").count() >= 6  # the control: the tools are there
    assert page.evaluate(SMALL_TARGETS, "main .link-list a") == []

    page.goto(f"{base}/moderation/demarches/pessac/doublons/{group}")
    choices = page.locator(".choice-row label")
    expect(choices.first).to_be_visible()
    assert choices.count() == 4
    assert page.evaluate(SMALL_TARGETS, "main .choice-row label") == []
    boxes = page.locator(".choice-row input").evaluate_all("inputs => inputs.map(i => i.offsetWidth)")
    assert min(boxes) >= 20, boxes
    # Tapping the words ticks the box.
    keep = page.locator(".choice-row input[type=checkbox]").first
    was = keep.is_checked()
    page.locator(".choice-row label", has_text="Doublon à garder").first.click()
    assert keep.is_checked() is not was
    assert page.evaluate(OVERFLOW) <= 0

    page.goto(f"{base}/moderation/demarches/pessac/propositions")
    labels = (
        page.locator("tbody tr")
        .first.locator("td")
        .evaluate_all("cells => cells.map(cell => getComputedStyle(cell, '::before').content.replace(/\\u00a0/g, ' '))")
    )
    for label in ('"Priorité : "', '"Statut : "', '"Contributions sources : "', '"Soutiens : "'):
        assert label in labels, labels

    # Opening a plenary session: each proposal to put to the vote is a line a finger ticks.
    page.goto(f"{base}/moderation/demarches/pessac/plenieres")
    expect(page.locator("input[name=proposal_ids]")).to_have_count(2)
    assert page.evaluate(SMALL_TARGETS, "main .check-row > label") == []
    context.close()


def test_a_participant_on_a_phone_taps_the_next_page_and_signaler(live_app, browser):
    """At 375 px the pages of a process's contributions and « Signaler » under a contribution are 44 px
    targets (« Page suivante › » was an 18 px line of text, « Signaler » a 22 px one)."""
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac", title="Rencontre de Pessac")
        first = factory.contribution(process, text="Une première contribution sur les financements.").id
        for n in range(21):  # one more than a page
            factory.contribution(process, text=f"Contribution numéro {n} sur les parcours.")
        email = factory.user().email

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    _login(page, live_app.base_url, email)
    page.goto(f"{live_app.base_url}/demarches/pessac")
    expect(page.locator(".pagination a").first).to_be_visible()  # the control: there is a next page
    assert page.evaluate(SMALL_TARGETS, "main .pagination a") == []
    page.goto(f"{live_app.base_url}/contributions/{first}")
    signaler = page.locator(".report-form > summary")
    expect(signaler).to_be_visible()
    assert page.evaluate(SMALL_TARGETS, "main .report-form > summary") == []
    signaler.click()
    expect(page.get_by_label("Motif du signalement")).to_be_visible()
    context.close()

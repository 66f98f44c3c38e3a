"""Drop-down lists read on a 375 px phone: no option's text is wider than its list, on the participant's, the
moderator's, the facilitator's and the staff's pages (a phone's own control cuts what does not fit, in the closed
list and in its picker). Long choices are radio lists or short labels with the full text beside.

Set ``CONTRIB_SCREENSHOTS`` to a folder to keep a 375×740 screenshot of each page."""

from __future__ import annotations

import os
from pathlib import Path

from contrib.clustering import services as clustering
from contrib.extensions import db
from contrib.models import Role
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from tests.browser.test_journeys import _login
from tests.clustering.clustering_data import TOPICS
from tests.conftest import Factory

PHONE = {"width": 375, "height": 740}
LONG_EVENT = "Rencontre régionale de Bourgogne-Franche-Comté à Besançon"
LONG_PROPOSAL = "Financer l'accompagnement des tuteurs en entreprise pendant toute la durée de la formation"

# Each visible <select>: the options whose text does not fit the list's width (its arrow and padding out).
CUT_OPTIONS = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const select of document.querySelectorAll("select")) {
    if (!select.offsetParent) continue;
    const style = getComputedStyle(select);
    canvas.font = style.font;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    for (const option of select.options) {
      const width = canvas.measureText(option.text).width;
      const name = select.id || select.name;
      if (width > room) cut.push(`${name}: « ${option.text} » (${Math.round(width)} > ${Math.round(room)} px)`);
    }
  }
  return cut;
}"""


OPEN_ALL = "() => document.querySelectorAll('details').forEach(details => { details.open = true; })"
# Each visible list showing its longest option (as a phone shows the choice made), and its box's id.
SHOW_LONGEST = """() => Array.from(document.querySelectorAll("select")).filter(s => s.offsetParent).map(select => {
  const longest = Array.from(select.options).reduce((a, b) => (b.text.length > a.text.length ? b : a));
  select.value = longest.value;
  select.dispatchEvent(new Event("change", {bubbles: true}));
  return select.id || select.name;
})"""


def _screenshots(page, folder: Path, name: str) -> None:
    """The page's top, and each drop-down list's field with its longest option chosen."""
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
    for index, radio_list in enumerate(page.locator("fieldset.radio-list").all()):
        radio_list.screenshot(path=str(folder / f"{name}__radio-{index}.png"))
    for select_id in page.evaluate(SHOW_LONGEST):
        field = page.locator(f"[id='{select_id}']").locator("xpath=ancestor::*[self::div or self::fieldset][1]")
        field.first.screenshot(path=str(folder / f"{name}__{select_id}.png"))


def _scene(live_app) -> dict:
    """A process with a long title and theme, a long proposal, a clustering run; one user of each role."""
    with live_app.app_context():
        factory = Factory()
        users = {role: factory.user(role) for role in (Role.PARTICIPANT, Role.MODERATOR, Role.FACILITATOR, Role.STAFF)}
        process = factory.process(slug="besancon", title=LONG_EVENT, region="Bourgogne-Franche-Comté")
        factory.process(slug="pessac", title="Rencontre de Pessac", region="Nouvelle-Aquitaine")
        for texts in TOPICS.values():
            for text in texts:
                factory.contribution(process, text=text)
        moderator = users[Role.MODERATOR]
        ids = [
            factory.retained_proposal(process, theme, title, moderator).id
            for theme, title in ((process.themes[3], LONG_PROPOSAL), (process.themes[0], "Évaluer la qualité"))
        ]
        run = clustering.launch_run(process.id, actor=moderator, n_clusters=3)
        clustering.execute_run(run.id)
        cluster_key = db.session.execute(db.text("SELECT min(key) FROM clusters")).scalar()
        document = plaidoyer_acts.create("Plaidoyer national", actor=users[Role.STAFF])
        placement.add_from_process(document.id, process.id, actor=users[Role.STAFF])
        contribution_id = factory.contribution(process, text="Une idée à signaler").id
        base = live_app.base_url
        work = f"{base}/moderation/demarches/besancon"
        return {
            "emails": {role: user.email for role, user in users.items()},
            "pages": {
                None: [f"{base}/inscription"],
                Role.PARTICIPANT: [
                    f"{base}/demarches/besancon",
                    f"{base}/demarches/besancon/contribuer",
                    f"{base}/contributions/{contribution_id}",
                ],
                Role.MODERATOR: [
                    f"{work}/propositions/{ids[1]}",
                    f"{work}/regroupements/{run.id}/groupes/{cluster_key}",
                    f"{base}/moderation/journal",
                ],
                Role.FACILITATOR: [f"{base}/demarches/besancon/saisie-atelier"],
                Role.STAFF: [f"{base}/plaidoyers/{document.id}"],
            },
        }


def test_no_option_is_cut_by_a_phones_drop_down_list(live_app, browser):
    scene = _scene(live_app)
    shots = os.environ.get("CONTRIB_SCREENSHOTS")
    problems, seen, n_radios, beside = [], 0, 0, []
    for role, urls in scene["pages"].items():
        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        page = context.new_page()
        if role is not None:
            _login(page, live_app.base_url, scene["emails"][role])
        for url in urls:
            response = page.goto(url)
            assert response.ok, (url, response.status)
            page.evaluate(OPEN_ALL)
            seen += page.locator("select:visible").count()
            problems += [f"{url}: {cut}" for cut in page.evaluate(CUT_OPTIONS)]
            n_radios += page.locator("fieldset.radio-list input[type=radio]").count()
            if shots:
                _screenshots(page, Path(shots), url.removeprefix(live_app.base_url).strip("/").replace("/", "_"))
            else:
                page.evaluate(SHOW_LONGEST)
            beside += page.locator(".option-full:visible").all_inner_texts()
        context.close()
    assert seen >= 8, "the pages' drop-down lists are found"
    assert n_radios == 2 * 7, "« Vous êtes » and the workshop's « Type d'acteur » are radio lists of the 7 answers"
    # A shortened option's full text is under its list once chosen.
    assert f"Choix : n° 1 · {LONG_PROPOSAL}" in beside and f"Choix : {LONG_EVENT}" in beside, beside
    assert problems == [], "\n".join(problems)


# Each visible <select> with shortened options: their full texts (titles), and the texts the list beside it shows.
FULL_TEXTS_BESIDE = """() => Array.from(document.querySelectorAll("select")).filter(s => s.offsetParent).map(select => {
  const titles = Array.from(select.querySelectorAll("option[title]")).map(option => option.title);
  const details = select.parentElement.querySelector("details.options-full");
  const shown = details ? Array.from(details.querySelectorAll("li")).filter(li => li.offsetParent) : [];
  return {name: select.id || select.name, titles, shown: shown.map(li => li.innerText)};
}).filter(list => list.titles.length)"""


def test_without_javascript_a_shortened_option_can_be_read_in_full(live_app, browser):
    """Without JavaScript the full text of an option shortened with « … » is not only in a tooltip: a disclosure
    under its list gives it; with JavaScript that disclosure is not drawn (options.js shows the chosen one)."""
    scene = _scene(live_app)
    lists, summaries = [], set()
    for role, urls in scene["pages"].items():
        context = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
        page = context.new_page()
        if role is not None:
            _login(page, live_app.base_url, scene["emails"][role])
        for url in urls:
            assert page.goto(url).ok, url
            summaries |= set(page.locator("details.options-full > summary:visible").all_inner_texts())
            page.evaluate(OPEN_ALL)
            lists += [(url, found) for found in page.evaluate(FULL_TEXTS_BESIDE)]
        context.close()
    assert len(lists) >= 5, f"control: the scene has shortened options in several lists: {lists}"
    assert summaries == {"Lire en entier les choix coupés par «\xa0…\xa0»"}
    missing = [(url, found["name"]) for url, found in lists if found["shown"] != found["titles"]]
    assert missing == [], missing
    assert any(LONG_EVENT in found["shown"] for _, found in lists)

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    _login(page, live_app.base_url, scene["emails"][Role.PARTICIPANT])
    page.goto(f"{live_app.base_url}/demarches/besancon/contribuer")
    assert page.locator("select option[title]").count() >= 1, "control: the list has a shortened option"
    assert page.locator("details.options-full").count() == 0, "with JavaScript the <noscript> stays unread"
    context.close()

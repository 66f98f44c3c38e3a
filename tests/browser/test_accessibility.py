"""Accessibility of the key pages: axe-core finds no serious or critical violation; 360 px and 200 % zoom."""

from importlib.resources import files

import pytest

from tests.browser.test_journeys import _login
from tests.conftest import Factory

AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def site(live_app):
    """A process with contributions, a participant who posted, a moderator and a hidden contribution."""
    from contrib.models import Role
    from contrib.services import clustering, duplicates, moderation, plaidoyer, plenary, proposals

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        participant = factory.user()
        moderator = factory.user(Role.MODERATOR)
        mine = factory.contribution(process, author_id=participant.id, title="Financer l'accompagnement",
                                    text="Financer l'accompagnement des stagiaires les plus éloignés de l'emploi.")
        hidden = factory.contribution(process, text="Texte masqué par la modération.")
        moderation.hide(hidden.id, "Hors sujet", moderator=moderator)
        twins = [factory.contribution(process, theme_id=process.themes[index].id,
                                      text="Ouvrir les appels d'offres régionaux aux petits organismes.")
                 for index in (0, 3)]
        duplicates.detect(process.id, actor=moderator)
        group = duplicates.pending_groups(process.id)[0]
        proposal = proposals.create_from_contributions(process.id, [mine.id], "Mieux financer l'accompagnement",
                                                       "Un financement dédié.", [process.themes[0].id], "high",
                                                       moderator=moderator)
        other = proposals.create_from_contributions(process.id, [twins[0].id], "Ouvrir les appels d'offres",
                                                    "Un texte.", [process.themes[0].id], "medium", moderator=moderator)
        session = plenary.create_session(process.id, "Plénière de Pessac", "pairwise", [proposal.id, other.id],
                                         moderator=moderator)
        staff = factory.user(Role.STAFF)
        document = plaidoyer.create("Plaidoyer national", actor=staff)
        plaidoyer.add_proposal(document.id, proposal.id, actor=staff)
        version = plaidoyer.snapshot(document.id, "Première version", actor=staff)
        run = clustering.launch_run(process.id, actor=moderator, n_clusters=2)
        clustering.execute_run(run.id)
        return {"participant": participant.email, "moderator": moderator.email, "mine": mine.id,
                "staff": staff.email, "plaidoyer": document.id, "version": version.id, "session": session.id,
                "run": run.id, "group": group.id, "proposal": proposal.id, "twins": [twin.id for twin in twins]}


def _serious_violations(page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + "; ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in result["violations"] if violation["impact"] in BLOCKING_IMPACTS]


def _check_pages(page, base_url, paths) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(base_url + path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        problems += [f"{path}: {violation}" for violation in _serious_violations(page)]
    return problems


def test_key_pages_have_no_serious_axe_violation(live_app, browser, site):
    context = browser.new_context(locale="fr-FR", bypass_csp=True)  # axe is injected into the page
    page = context.new_page()
    problems = _check_pages(page, live_app.base_url, ["/", "/demarches/pessac", "/connexion", "/inscription",
                                                       f"/contributions/{site['mine']}", "/demarches/pessac/propositions",
                                                       "/demarches/pessac/resultats",
                                                       f"/plenieres/{site['session']}/projection"])
    _login(page, live_app.base_url, site["participant"])
    problems += _check_pages(page, live_app.base_url, ["/demarches/pessac/contribuer", "/mes-contributions",
                                                       "/notifications", f"/plenieres/{site['session']}"])
    page.goto(live_app.base_url + "/demarches/pessac/contribuer")
    page.get_by_role("button", name="Publier ma contribution").click()  # the page with form errors
    problems += [f"formulaire en erreur: {violation}" for violation in _serious_violations(page)]
    context.clear_cookies()
    _login(page, live_app.base_url, site["moderator"])
    problems += _check_pages(page, live_app.base_url, [
        "/moderation/", "/moderation/journal", "/moderation/signalements", f"/contributions/{site['mine']}",
        "/moderation/demarches/pessac/regroupements", f"/moderation/demarches/pessac/regroupements/{site['run']}",
        f"/moderation/demarches/pessac/regroupements/{site['run']}/groupes/c1",
        f"/moderation/demarches/pessac/regroupements/{site['run']}/comparaison",
        "/moderation/demarches/pessac/doublons", f"/moderation/demarches/pessac/doublons/{site['group']}",
        "/moderation/demarches/pessac/propositions", f"/moderation/demarches/pessac/propositions/{site['proposal']}",
        "/moderation/demarches/pessac/propositions/nouvelle?ids=" + ",".join(map(str, site["twins"])),
        f"/propositions/{site['proposal']}", "/moderation/demarches/pessac/plenieres",
        f"/moderation/demarches/pessac/assistant?ids={site['mine']}"])
    context.clear_cookies()
    _login(page, live_app.base_url, site["staff"])
    base = f"/plaidoyers/{site['plaidoyer']}"
    problems += _check_pages(page, live_app.base_url, ["/plaidoyers/", base, f"{base}/versions",
                                                       f"{base}/versions/{site['version']}",
                                                       f"{base}/comparaison"])
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [360, 640], ids=["phone-360px", "laptop-at-200-percent-zoom"])
def test_pages_reflow_without_sideways_scrolling(live_app, browser, site, width):
    """A 1280 px screen at 200 % zoom lays out like a 640 px one (WCAG 1.4.10 reflow)."""
    context = browser.new_context(viewport={"width": width, "height": 720}, locale="fr-FR")
    page = context.new_page()
    _login(page, live_app.base_url, site["moderator"])
    for path in ("/", "/demarches/pessac", "/demarches/pessac/contribuer", "/mes-contributions",
                 "/moderation/", "/moderation/journal", f"/contributions/{site['mine']}",
                 f"/moderation/demarches/pessac/doublons/{site['group']}",
                 f"/moderation/demarches/pessac/regroupements/{site['run']}",
                 f"/moderation/demarches/pessac/propositions/{site['proposal']}", f"/propositions/{site['proposal']}"):
        page.goto(live_app.base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width} px"
    context.close()

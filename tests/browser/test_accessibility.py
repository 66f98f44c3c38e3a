"""Accessibility of the key pages: axe-core finds no serious or critical violation; 360 px and 200 % zoom."""

from importlib.resources import files
from urllib.parse import urlsplit

import pytest

from tests.browser.test_journeys import _login
from tests.conftest import Factory

AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS = {"serious", "critical"}
pytestmark = pytest.mark.once  # markup and layout do not depend on the database


@pytest.fixture
def site(live_app):
    """A process with contributions, a participant who posted, a moderator and a hidden contribution."""
    from contrib.clustering import services as clustering
    from contrib.duplicates import services as duplicates
    from contrib.extensions import db
    from contrib.facilitation import imports
    from contrib.models import Cluster, Role
    from contrib.moderation import hiding as moderation
    from contrib.participation import contributions, editing
    from contrib.participation.contributions import ContributionDraft
    from contrib.plaidoyer import acts as plaidoyer_acts
    from contrib.plaidoyer import placement
    from contrib.plaidoyer import versions as plaidoyer_versions
    from contrib.prioritisation import plenary
    from contrib.proposals import services as proposals

    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="pessac")
        participant = factory.user()
        moderator = factory.user(Role.MODERATOR)
        mine = factory.contribution(
            process,
            author_id=participant.id,
            title="Financer l'accompagnement",
            text="Financer l'accompagnement des stagiaires les plus éloignés de l'emploi.",
        )
        editable = contributions.post_contribution(
            process.id,
            ContributionDraft(process.themes[1].id, "idea", "Mutualiser les plateaux techniques entre organismes."),
            author=participant,
        )
        editing.edit_contribution(
            editable.id,
            ContributionDraft(
                process.themes[1].id, "idea", "Mutualiser les plateaux techniques entre petits organismes."
            ),
            author=participant,
            version=editable.version,
        )
        hidden = factory.contribution(process, text="Texte masqué par la modération.")
        moderation.hide(hidden.id, "Hors sujet", moderator=moderator)
        twins = [
            factory.contribution(
                process,
                theme_id=process.themes[index].id,
                text="Ouvrir les appels d'offres régionaux aux petits organismes.",
            )
            for index in (0, 3)
        ]
        duplicates.detect(process.id, actor=moderator)
        group = duplicates.pending_groups(process.id)[0]
        proposal = proposals.create_from_contributions(
            process.id,
            [mine.id],
            "Mieux financer l'accompagnement",
            "Un financement dédié.",
            [process.themes[0].id],
            "high",
            moderator=moderator,
        )
        other = proposals.create_from_contributions(
            process.id,
            [twins[0].id],
            "Ouvrir les appels d'offres",
            "Un texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        )
        session = plenary.create_session(
            process.id, "Plénière de Pessac", "pairwise", [proposal.id, other.id], moderator=moderator
        )
        dots = plenary.create_session(
            process.id, "Vote par points de Pessac", "dots", [proposal.id, other.id], moderator=moderator
        )
        batch = imports.start_import(
            process.id,
            "Thématique;Texte\nMétiers/compétences;Former les tuteurs\n".encode(),
            "atelier.csv",
            actor=moderator,
        )
        imports.confirm_import(process.id, batch.id, actor=moderator)
        staff = factory.user(Role.STAFF)
        document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
        placement.add_proposal(document.id, proposal.id, actor=staff)
        version = plaidoyer_versions.snapshot(document.id, "Première version", actor=staff)
        run = clustering.launch_run(process.id, actor=moderator, n_clusters=2)
        clustering.execute_run(run.id)
        cluster_label = db.session.scalar(db.select(Cluster.label).where(Cluster.run_id == run.id, Cluster.key == "c1"))
        return {
            "participant": participant.email,
            "moderator": moderator.email,
            "mine": mine.id,
            "editable": editable.id,
            "names": {
                participant.email: participant.display_name,
                moderator.email: moderator.display_name,
                staff.email: staff.display_name,
            },
            "staff": staff.email,
            "plaidoyer": document.id,
            "version": version.id,
            "session": session.id,
            "dots": dots.id,
            "batch": batch.id,
            "run": run.id,
            "cluster": cluster_label,
            "group": group.id,
            "proposal": proposal.id,
            "twins": [twin.id for twin in twins],
        }


def _serious_violations(page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def _show_menu(page):
    """On a narrow screen the header's links sit behind the "Menu" button: open it."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def _log_in(page, base_url, site, email):
    """Log in through the form and prove it worked: otherwise every page below would be the login page."""
    _login(page, base_url, email)
    page.wait_for_load_state()
    _show_menu(page)
    assert urlsplit(page.url).path != "/connexion", f"login as {email} failed: {page.url}"
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    assert page.get_by_role("link", name=f"Mon compte ({site['names'][email]})").is_visible()


def test_control_a_failed_login_is_caught(live_app, browser):
    """What ``_log_in`` guards against: a login that fails leaves the page on /connexion."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    with pytest.raises(AssertionError, match=r"login as personne@exemple\.fr failed"):
        _log_in(page, live_app.base_url, {"names": {}}, "personne@exemple.fr")
    context.close()


def _open(page, base_url, path, heading, *, logged_in=False):
    """Go to ``path`` and check it is that page (no redirect, its own heading), still logged in if expected."""
    response = page.goto(base_url + path)
    assert response.status == 200, f"{path}: HTTP {response.status}"
    reached = urlsplit(page.url)
    assert reached.path + (f"?{reached.query}" if reached.query else "") == path, f"{path}: redirected to {page.url}"
    _show_menu(page)
    title = page.locator("main h1").first.inner_text().replace("\xa0", " ")  # « title » keeps no-break spaces
    assert heading in title, f"{path}: heading {title!r}, expected {heading!r}"
    assert page.get_by_role("button", name="Se déconnecter").is_visible() == logged_in, f"{path}: logged in?"


def _check_pages(page, base_url, pages: dict[str, str], *, logged_in=True) -> list[str]:
    """axe-core on each page (path → expected heading)."""
    problems = []
    for path, heading in pages.items():
        _open(page, base_url, path, heading, logged_in=logged_in)
        problems += [f"{path}: {violation}" for violation in _serious_violations(page)]
    return problems


def test_key_pages_have_no_serious_axe_violation(live_app, browser, site):
    context = browser.new_context(locale="fr-FR", bypass_csp=True)  # axe is injected into the page
    page = context.new_page()
    base_url = live_app.base_url
    problems = _check_pages(
        page,
        base_url,
        {
            "/": "Construisons ensemble",
            "/demarches/pessac": "Démarche",
            "/connexion": "Se connecter",
            "/inscription": "Créer un compte",
            f"/contributions/{site['mine']}": "Financer l'accompagnement",
            "/demarches/pessac/propositions": "Propositions classées",
            "/demarches/pessac/resultats": "Résultats",
            f"/plenieres/{site['session']}/projection": "Plénière de Pessac",
            "/charte": "Charte de participation",
            "/donnees-personnelles": "Vos données personnelles",
            "/demarches/pessac?q=accompagnement&tri=soutenues": "Démarche",
            f"/contributions/{site['editable']}": f"Contribution n° {site['editable']}",
            f"/plenieres/{site['dots']}": "Vote par points de Pessac",
            "/carte": "Voter avec une carte de vote",
        },
        logged_in=False,
    )
    page.goto(base_url + "/inscription")
    page.get_by_role("button", name="Créer mon compte").click()  # every error at once
    page.wait_for_load_state()
    assert page.locator('[aria-invalid="true"]').count() >= 4, "registration errors not shown"
    problems += [f"inscription en erreur: {violation}" for violation in _serious_violations(page)]
    _log_in(page, base_url, site, site["participant"])
    problems += _check_pages(
        page,
        base_url,
        {
            "/demarches/pessac/contribuer": "Déposer une contribution",
            "/mes-contributions": "Mes contributions",
            "/notifications": "Notifications",
            f"/plenieres/{site['session']}": "Plénière de Pessac",
            "/mon-compte": "Mon compte",
            f"/contributions/{site['editable']}/modifier": "Modifier ma contribution",
            f"/plenieres/{site['dots']}": "Vote par points de Pessac",
        },
    )
    _open(page, base_url, "/demarches/pessac/contribuer", "Déposer une contribution", logged_in=True)
    page.get_by_role("button", name="Publier ma contribution").click()  # the page with form errors
    page.wait_for_load_state()
    assert page.locator('.form-errors, .field-error, [aria-invalid="true"]').count() > 0, "no form error shown"
    problems += [f"formulaire en erreur: {violation}" for violation in _serious_violations(page)]
    context.clear_cookies()
    _log_in(page, base_url, site, site["moderator"])
    problems += _check_pages(
        page,
        base_url,
        {
            "/moderation/": "Modération",
            "/moderation/journal": "Journal de modération",
            "/moderation/signalements": "Signalements à traiter",
            f"/contributions/{site['mine']}": "Financer l'accompagnement",
            "/moderation/demarches/pessac/regroupements/": "Regroupements des contributions",
            f"/moderation/demarches/pessac/regroupements/{site['run']}": f"Regroupement n° {site['run']}",
            f"/moderation/demarches/pessac/regroupements/{site['run']}/groupes/c1": site["cluster"],
            f"/moderation/demarches/pessac/regroupements/{site['run']}/comparaison": "Ce qui a changé",
            "/moderation/demarches/pessac/doublons/": "Doublons à examiner",
            f"/moderation/demarches/pessac/doublons/{site['group']}": f"Groupe de doublons n° {site['group']}",
            "/moderation/demarches/pessac/propositions": "Propositions",
            f"/moderation/demarches/pessac/propositions/{site['proposal']}": f"Proposition n° {site['proposal']}",
            "/moderation/demarches/pessac/propositions/nouvelle?ids="
            + ",".join(map(str, site["twins"])): "Nouvelle proposition",
            "/moderation/demarches/pessac/propositions/nouvelle?proposees="
            + ",".join(map(str, site["twins"])): "Nouvelle proposition",
            "/moderation/journal?acte=moderation:contribution:hide&du=2020-01-01": "Journal de modération",
            f"/propositions/{site['proposal']}": "Mieux financer l'accompagnement",
            "/moderation/demarches/pessac/plenieres": "Priorisation en plénière",
            f"/moderation/demarches/pessac/assistant?ids={site['mine']}": "Assistant de synthèse",
            "/moderation/demarches/pessac/qualite": "Qualité de l'analyse",
            "/demarches/pessac/saisie-atelier?table_label=Table+3": "Saisir les fiches d'un atelier",
            "/demarches/pessac/import": "Importer une feuille d'atelier",
            f"/demarches/pessac/import/{site['batch']}": "Import « atelier.csv »",
            f"/demarches/pessac/import/{site['batch']}/contributions": "Contributions importées",
        },
    )
    context.clear_cookies()
    _log_in(page, base_url, site, site["staff"])
    base = f"/plaidoyers/{site['plaidoyer']}"
    problems += _check_pages(
        page,
        base_url,
        {
            "/plaidoyers/": "Plaidoyers",
            base: "Plaidoyer national",
            f"{base}/versions": "Versions de",
            f"{base}/versions/{site['version']}": "Première version",
            f"{base}/comparaison": "Ce qui a changé",
            f"/plenieres/{site['dots']}/cartes": "Cartes de vote",
        },
    )
    page.get_by_label("Nombre de cartes à imprimer").fill("3")
    page.get_by_role("button", name="Créer les cartes et les afficher pour impression").click()
    page.wait_for_load_state()
    assert page.locator(".ballot-card").count() == 3, "no card sheet shown"
    problems += [f"feuille de cartes: {violation}" for violation in _serious_violations(page)]
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [360, 640], ids=["phone-360px", "laptop-at-200-percent-zoom"])
def test_pages_reflow_without_sideways_scrolling(live_app, browser, site, width):
    """A 1280 px screen at 200 % zoom lays out like a 640 px one (WCAG 1.4.10 reflow)."""
    context = browser.new_context(viewport={"width": width, "height": 720}, locale="fr-FR")
    page = context.new_page()
    _log_in(page, live_app.base_url, site, site["moderator"])
    for path, heading in {
        "/": "Construisons ensemble",
        "/demarches/pessac": "Démarche",
        "/demarches/pessac/contribuer": "Déposer une contribution",
        "/mes-contributions": "Mes contributions",
        "/moderation/": "Modération",
        "/moderation/journal": "Journal de modération",
        f"/contributions/{site['mine']}": "Financer l'accompagnement",
        f"/moderation/demarches/pessac/doublons/{site['group']}": f"Groupe de doublons n° {site['group']}",
        f"/moderation/demarches/pessac/regroupements/{site['run']}": f"Regroupement n° {site['run']}",
        f"/moderation/demarches/pessac/regroupements/{site['run']}/groupes/c1": site["cluster"],
        f"/moderation/demarches/pessac/propositions/{site['proposal']}": f"Proposition n° {site['proposal']}",
        "/moderation/demarches/pessac/propositions/nouvelle?proposees="
        + ",".join(map(str, site["twins"])): "Nouvelle proposition",
        f"/propositions/{site['proposal']}": "Mieux financer l'accompagnement",
        f"/plenieres/{site['dots']}": "Vote par points de Pessac",
        f"/plenieres/{site['session']}": "Plénière de Pessac",
        f"/plenieres/{site['dots']}/projection": "Vote par points de Pessac",
        "/demarches/pessac/resultats": "Résultats",
        "/demarches/pessac/saisie-atelier?table_label=Table+3": "Saisir les fiches d'un atelier",
        f"/demarches/pessac/import/{site['batch']}/contributions": "Contributions importées",
        "/demarches/pessac?q=accompagnement&tri=commentees": "Démarche",
        "/mon-compte": "Mon compte",
        "/charte": "Charte de participation",
        "/donnees-personnelles": "Vos données personnelles",
        f"/contributions/{site['editable']}": f"Contribution n° {site['editable']}",
        "/inscription": "Créer un compte",
    }.items():
        if path == "/inscription":
            context.clear_cookies()  # the registration page is for people not logged in
            _open(page, live_app.base_url, path, heading, logged_in=False)
        else:
            _open(page, live_app.base_url, path, heading, logged_in=not path.endswith("/projection"))
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width} px"
    context.close()

"""A plenary in a real browser: a participant votes on a phone, the projector updates by itself."""

from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import Contribution, ContributionKind, Role, User
from contrib.models.base import utcnow
from contrib.prioritisation import plenary
from contrib.processes.services import ProcessData, create_process
from contrib.proposals import services as proposals
from tests.conftest import PASSWORD, PASSWORD_HASH


def _setup(app):
    with app.app_context():
        process = create_process(
            ProcessData(title="Rencontre de Bordeaux", region="Nouvelle-Aquitaine"), actor=None, slug="bordeaux"
        )
        moderator = User(
            email="mod@exemple.fr",
            display_name="Modératrice",
            role=Role.MODERATOR,
            password_hash=PASSWORD_HASH,
        )
        voter = User(
            email="vote@exemple.fr",
            display_name="Votante",
            password_hash=PASSWORD_HASH,
            email_confirmed_at=utcnow(),
        )
        db.session.add_all([moderator, voter])
        db.session.commit()
        ids = []
        for title in ("Financer la formation des formateurs", "Un guichet unique régional"):
            contribution = Contribution(
                process_id=process.id, theme_id=process.themes[0].id, kind=ContributionKind.IDEA, text=title
            )
            db.session.add(contribution)
            db.session.commit()
            ids.append(
                proposals.create_from_contributions(
                    process.id,
                    [contribution.id],
                    title,
                    "Texte.",
                    [process.themes[0].id],
                    "medium",
                    moderator=moderator,
                ).id
            )
        return plenary.create_session(process.id, "Plénière de Bordeaux", "dots", ids, moderator=moderator).id, ids


def test_vote_on_a_phone_and_the_projector_follows(live_app, browser):
    session_id, _ids = _setup(live_app)
    projector = browser.new_context(locale="fr-FR").new_page()
    projector.goto(f"{live_app.base_url}/plenieres/{session_id}/projection")
    expect(projector.get_by_text("0 votant")).to_be_visible()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR").new_page()
    phone.goto(live_app.base_url + "/connexion")
    phone.get_by_label("Adresse e-mail").fill("vote@exemple.fr")
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Se connecter").click()
    phone.goto(f"{live_app.base_url}/plenieres/{session_id}")
    phone.get_by_role("spinbutton", name="Un guichet unique régional", exact=True).fill("7")
    phone.get_by_role("spinbutton", name="Financer la formation des formateurs", exact=True).fill("3")
    phone.get_by_role("button", name="Voter").click()
    expect(phone.locator(".flash-success")).to_contain_text("Votre vote est enregistré")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0

    # No reload by hand: projector.js notices the new revision and swaps the chart in.
    expect(projector.get_by_text("1 votant")).to_be_visible(timeout=10_000)
    first_row = projector.locator("table.chart-data tbody tr").first
    expect(first_row).to_contain_text("Un guichet unique régional")
    expect(first_row).to_contain_text("7 points")

"""The synthesis assistant in a real browser: an answer streamed from a chat-completions endpoint
(a local server speaking the protocol) arrives checked, then a draft becomes a proposal."""

from playwright.sync_api import expect

from contrib.extensions import db
from contrib.models import Proposal, ProposalSource, Role
from tests.browser.test_journeys import _login
from tests.conftest import Factory
from tests.llm_server import FakeLLM

TEXTS = [
    "Il faut simplifier la certification Qualiopi pour les petits organismes de formation.",
    "La certification Qualiopi coûte trop cher aux petits organismes : il faut l'alléger.",
    "Les financements des OPCO arrivent trop tard, ce qui fragilise la trésorerie des organismes.",
]


def test_moderator_streams_a_checked_answer_then_turns_a_draft_into_a_proposal(live_app, page):
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="bordeaux")
        ids = [factory.contribution(process, text=text).id for text in TEXTS]
        email = factory.user(Role.MODERATOR).email
    a, b, c = ids
    with FakeLLM() as llm:
        llm.mode = "stream"
        llm.reply = (
            f"Plusieurs contributions demandent de simplifier la certification Qualiopi pour les petits "
            f"organismes [#{a}, #{b}]. Les financements des OPCO arrivent trop tard [#{c}]. "
            "Les participants veulent une taxe carbone [#9999]."
        )
        live_app.config.update(LLM_URL=llm.url, LLM_MODEL="modele-test", LLM_TIMEOUT=5.0)
        _login(page, live_app.base_url, email)
        page.goto(f"{live_app.base_url}/moderation/demarches/bordeaux/assistant?ids={a},{b},{c}")
        page.get_by_label("Votre question sur ces contributions").fill("Que disent-elles de la certification ?")
        page.get_by_role("button", name="Poser la question").click()

        # The script posts to the stream endpoint, shows the checked sentences, then opens the stored
        # answer by its anchor (a form posted without JavaScript would land on the page without one).
        page.wait_for_url("**#message-*", timeout=20_000)
        answer = page.locator("article.assistant-message").last
        expect(answer.get_by_role("heading")).to_contain_text("Que disent-elles de la certification ?")
        expect(answer).to_contain_text("moteur chat-completions (modele-test)")
        checked = answer.locator("p.phrase:not(.non-verifiee)")
        expect(checked).to_have_count(2)
        expect(checked.first).to_contain_text("simplifier la certification Qualiopi")
        expect(answer.locator("p.non-verifiee")).to_contain_text("non vérifiée : source hors de la sélection")
        assert llm.requests and all(request["body"]["stream"] is True for request in llm.requests)

    # Without an endpoint the embedded engine drafts; the draft prefills the proposal form.
    live_app.config.update(LLM_URL="")
    page.get_by_role("button", name="Proposer un brouillon").click()
    page.get_by_role("button", name="Utiliser ce brouillon").click(timeout=20_000)
    expect(page.get_by_text("préremplis par le brouillon de l'assistant")).to_be_visible()
    title = page.get_by_label("Titre").input_value()
    assert title.strip()
    page.get_by_role("button", name="Créer la proposition").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title[:40])
    with live_app.app_context():
        proposal = db.session.execute(db.select(Proposal)).scalar_one()
        sources = db.session.scalars(db.select(ProposalSource.contribution_id).filter_by(proposal_id=proposal.id)).all()
        assert proposal.title == title and sources and set(sources) <= set(ids)


FUNDING = [
    "Le CPF ne finance plus les formations courtes : les salariés renoncent faute de financement.",
    "Les financements des OPCO arrivent trop tard, ce qui fragilise la trésorerie des organismes.",
    "Les OPCO remboursent les organismes de formation avec plusieurs mois de retard.",
    "Simplifier la certification Qualiopi pour les petits organismes de formation.",
]


def test_moderator_flags_a_false_citation_and_sees_it_counted_on_the_quality_page(live_app, page):
    with live_app.app_context():
        factory = Factory()
        process = factory.process(slug="orleans")
        ids = [factory.contribution(process, text=text).id for text in FUNDING]
        email = factory.user(Role.MODERATOR).email
    cpf, opco, late, _ = ids
    with FakeLLM() as llm:
        llm.mode = "stream"
        llm.reply = (
            f"Le CPF ne finance plus les formations courtes [#{cpf}]. "
            f"Les financements des OPCO arrivent trop tard [#{opco}]. "
            f"Les OPCO remboursent les organismes avec plusieurs mois de retard [#{late}]."
        )
        live_app.config.update(LLM_URL=llm.url, LLM_MODEL="modele-test", LLM_TIMEOUT=5.0)
        _login(page, live_app.base_url, email)
        page.goto(f"{live_app.base_url}/moderation/demarches/orleans/assistant?ids={','.join(map(str, ids))}")
        page.get_by_label("Votre question sur ces contributions").fill(
            "Que disent les participants sur les financements ?"
        )
        page.get_by_role("button", name="Poser la question").click()
        page.wait_for_url("**#message-*", timeout=20_000)
    live_app.config.update(LLM_URL="")
    answer = page.locator("article.assistant-message").last
    expect(answer.get_by_role("heading")).to_contain_text("Que disent les participants sur les financements ?")
    expect(answer.locator("p.statut-verifiee")).to_have_count(3)
    expect(answer).to_contain_text("Réponse fondée sur 3 contributions")
    expect(answer.get_by_role("link", name=f"n° {opco}")).to_be_visible()

    answer.get_by_role("button", name="Cette citation est fausse").first.click()
    expect(page.get_by_text("Citation signalée comme fausse")).to_be_visible()
    answer = page.locator("article.assistant-message").last
    expect(answer.get_by_text("signalée comme fausse", exact=True)).to_have_count(1)
    expect(answer.get_by_role("button", name="Cette citation est fausse")).to_have_count(2)

    page.get_by_role("link", name="Qualité de l'analyse sur cette démarche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qualité de l'analyse")
    expect(page.locator("#phrases-verifiees")).to_have_text("3")
    expect(page.locator("#citations-fausses")).to_have_text("1")
    expect(page.locator("#exactitude")).to_have_text("67 %")

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
        llm.reply = (f"Plusieurs contributions demandent de simplifier la certification Qualiopi pour les petits "
                     f"organismes [#{a}, #{b}]. Les financements des OPCO arrivent trop tard [#{c}]. "
                     "Les participants veulent une taxe carbone [#9999].")
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

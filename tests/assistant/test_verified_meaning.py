"""What « vérifiée » means, said where a moderator meets it, with the checker's measured figure from one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contrib.assistant import scopes
from contrib.assistant import services as assistant
from contrib.assistant.protocol import LLMSettings
from contrib.assistant.quality import REFERENCE, Citations
from contrib.models import MessageKind, Role
from nlp.citations import NO_ANSWER
from tests.llm_server import FakeLLM

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEXTS = [
    "Les financements des OPCO arrivent trop tard, ce qui fragilise la trésorerie des organismes.",
    "Les OPCO remboursent les organismes de formation avec plusieurs mois de retard.",
    "Simplifier la certification Qualiopi pour les petits organismes de formation.",
]


@pytest.fixture
def scene(factory):
    process = factory.process(slug="limoges")
    contributions = [factory.contribution(process, text=text) for text in TEXTS]
    scope = scopes.resolve_scope(process, "selection", ",".join(str(c.id) for c in contributions))
    return process, factory.user(Role.MODERATOR), scope


def _page(client, process, scope) -> str:
    response = client.get(f"/moderation/demarches/{process.slug}/assistant?ids={','.join(map(str, scope.ids))}")
    assert response.status_code == 200
    return response.text


def _explanation(page: str) -> str:
    return " ".join(
        re.search(r'<div class="verified-help" id="sens-verifiee">(.*?)</div>', page, re.S).group(1).split()
    )


def test_the_page_says_what_verifiee_means_only_once_a_verified_sentence_is_shown(scene, client, auth):
    process, moderator, scope = scene
    with FakeLLM() as server:
        server.reply = NO_ANSWER
        settings = LLMSettings(url=server.url, model="m", api_key="k", timeout=1.0, retries=1, backoff=0.01)
        assistant.generate_message(
            process, scope, MessageKind.ANSWER, actor=moderator, question="Et le football ?", llm=settings
        )
    auth.login(moderator)
    page = _page(client, process, scope)
    assert NO_ANSWER.replace("'", "&#39;") in page or NO_ANSWER in page, "control: a message is shown"
    assert 'id="sens-verifiee"' not in page and 'href="#sens-verifiee"' not in page

    message = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    n_verified = sum(s["status"] == "verifiee" for s in message.content["segments"] if s["kind"] == "phrase")
    assert n_verified >= 2
    page = _page(client, process, scope)
    assert page.count('id="sens-verifiee"') == 1, "said once per page, not under every sentence"
    assert page.count('href="#sens-verifiee"') == n_verified, "each « vérifiée » leads to it"
    text = _explanation(page)
    assert f"environ 1&nbsp;phrase «&nbsp;vérifiée&nbsp;» sur {REFERENCE.one_wrong_in} est fausse" in text
    assert "Lisez les contributions citées avant de publier" in text and "Signaler" in text
    assert "les mêmes chiffres, les mêmes organismes et les mêmes lieux" in text and "plusieurs" in text
    assert "ne veut pas dire fausse" in text
    assert f"({REFERENCE.n_right} sur {REFERENCE.n_verified})" in text
    assert page.index('id="sens-verifiee"') < page.index('href="#sens-verifiee"'), "read before the sentences"


def test_the_quality_page_shows_the_reference_figure_beside_the_process_own(scene, client, auth):
    process, moderator, scope = scene
    assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/qualite").text
    reference = " ".join(re.search(r'id="exactitude-reference">(.*?)</dd>', page, re.S).group(1).split())
    assert reference.startswith(f"{round(REFERENCE.accuracy * 100)} %")
    assert f"{REFERENCE.n_right} justes sur" in reference and str(REFERENCE.n_verified) in reference
    assert f"parmi {REFERENCE.n_claims} phrases de test" in reference
    advice = " ".join(re.search(r'id="quel-chiffre">(.*?)</p>', page, re.S).group(1).split())
    assert advice.startswith("Fiez-vous d'abord à la référence")
    assert "Une phrase fausse que personne n'a signalée compte ici comme juste." in advice


def test_the_reference_decides_until_the_process_has_as_many_verified_sentences():
    assert not Citations(n_verified=REFERENCE.n_verified - 1, n_false=0).outweighs_reference
    assert Citations(n_verified=REFERENCE.n_verified, n_false=3).outweighs_reference, "control: enough sentences"


def test_the_reference_figures_are_the_measured_ones_and_typed_in_no_template():
    assert (REFERENCE.accuracy, REFERENCE.one_wrong_in) == (0.877, 8)
    assert round(REFERENCE.faithful_accepted, 2) == 0.47, "about half of the faithful sentences"
    figure = re.compile(r"\b(89|117|132|640)\b(&nbsp;| )?(%|sur|phrases)")
    typed = [path.name for path in TEMPLATES.rglob("*.html") if figure.search(path.read_text(encoding="utf-8"))]
    assert typed == []
    assert figure.search("juste à 89&nbsp;%"), "control: the pattern finds a typed figure"


def test_the_summary_s_own_guillemets_never_end_a_line_alone(scene, client, auth):
    """The engine writes « Aucun avis contraire relevé sur : « Thème » … » with plain spaces; since usability
    pass 5 the stored text already keeps them with their word (as the streamed page shows it), and the page too."""
    process, moderator, scope = scene
    message = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    written = " ".join(s["text"] for s in message.content["segments"])
    assert "«\u00a0" in written, "control: the engine's text holds a guillemet"
    assert "« " not in written and " »" not in written
    auth.login(moderator)
    page = _page(client, process, scope)
    assert "« " not in page and " »" not in page

"""The assistant's draft title: never a copied link, and not shown as fact unless made of the scope's words."""

import pytest

from contrib.assistant import scopes
from contrib.assistant import services as assistant
from contrib.assistant.engines import generate
from contrib.assistant.protocol import DEFAULT_TITLE, LLMSettings, checked_title
from contrib.models import MessageKind, Role
from nlp.citations import SupportScorer
from tests.assistant.test_assistant import TEXTS
from tests.llm_server import FakeLLM

LINKS = ("https://evil.example/qualiopi", "www.evil.example", "evil.example/inscription", "contact@evil.example")


def _scene(factory, titles):
    process = factory.process()
    moderator = factory.user(Role.MODERATOR)
    contributions = [factory.contribution(process, text=text, title=title) for text, title in zip(TEXTS, titles)]
    scope = scopes.resolve_scope(process, "selection", ",".join(str(c.id) for c in contributions))
    return process, moderator, scope


def _title_segment(message) -> dict:
    [title] = [s for s in message.content["segments"] if s["kind"] == "titre"]
    return title


def test_a_contribution_title_with_a_link_never_becomes_the_draft_title(factory):
    titles = [f"Qualiopi trop cher pour les petits organismes {link}" for link in LINKS] + [None]
    process, moderator, scope = _scene(factory, titles)

    draft = assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)

    title = _title_segment(draft)
    # The embedded engine titles a draft with a noun phrase of the scope, never a contribution's own title.
    assert title["text"] and title["text"] not in titles and title["text"] != DEFAULT_TITLE
    assert title["status"] == "structure"  # checked: the scope's own words
    assert draft.content["title"] == title["text"]
    assert "evil" not in str(draft.content)


def test_a_title_foreign_to_the_scope_is_marked_and_not_prefilled(factory):
    scorer = SupportScorer(dict(enumerate(TEXTS)))
    title = checked_title("Supprimer le Sénat https://evil.example/senat", scorer)
    assert (title["text"], title["status"]) == ("Supprimer le Sénat", "non_soutenue")  # shown "non vérifié"
    process, moderator, scope = _scene(factory, ["Supprimer le Sénat https://evil.example/senat"] * len(TEXTS))

    draft = assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)

    assert _title_segment(draft)["status"] == "structure" and "Sénat" not in draft.content["title"]
    assert "evil" not in str(draft.content)


def test_a_title_that_is_only_a_link_is_never_copied(factory):
    process, moderator, scope = _scene(factory, ["https://evil.example/x"] * len(TEXTS))

    draft = assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)

    assert draft.content["title"] and "evil" not in str(draft.content)
    scorer = SupportScorer(dict(enumerate(TEXTS)))
    assert checked_title("https://evil.example/x", scorer)["text"] == DEFAULT_TITLE


@pytest.mark.parametrize("link", LINKS)
def test_the_model_title_loses_its_link_too(factory, link):
    _process, _moderator, scope = _scene(factory, [None] * len(TEXTS))
    with FakeLLM() as llm:
        llm.reply = (
            f"Titre : Alléger Qualiopi {link}\nIl faut simplifier la certification Qualiopi pour les petits "
            f"organismes de formation. [#{scope.ids[0]}]"
        )
        settings = LLMSettings(url=llm.url, model="m", api_key="k", timeout=1.0, retries=1, backoff=0.01)
        events = list(generate("draft", scopes.load_scope(list(scope.ids)), llm=settings))

    [title] = [value for event, value in events if event == "segment" and value["kind"] == "titre"]
    assert (title["text"], title["status"]) == ("Alléger Qualiopi", "structure")


def test_control_ordinary_words_are_not_taken_for_links():
    scorer = SupportScorer({1: TEXTS[0]})
    title = checked_title("Certification Qualiopi : e.g. 3.5 jours, M. Dupont", scorer)
    assert title["text"] == "Certification Qualiopi : e.g. 3.5 jours, M. Dupont"

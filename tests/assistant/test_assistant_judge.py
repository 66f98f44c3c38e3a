"""The second-pass judge (with ``LLMSettings.judge`` the endpoint confirms each verified sentence, and
can only take a verdict away; tests/llm_server.py answers the judge's requests with ``judge``), and the
embedded engine reading the stored sentence vectors."""

import pytest

from contrib.assistant import scopes
from contrib.assistant import services as assistant
from contrib.assistant.engines import NOTICE_JUDGE_DOWN
from contrib.assistant.llm import JUDGE_PROMPT, JUDGE_REFUSAL
from contrib.assistant.protocol import LLMSettings
from contrib.extensions import db
from contrib.models import MessageKind, Role
from contrib.participation import vectors
from nlp.citations import SupportScorer, check_sentence
from tests.llm_server import JUDGE_MARK, FakeLLM

TEXTS = [
    "Il faut simplifier la certification Qualiopi pour les petits organismes de formation.",
    "La certification Qualiopi coûte trop cher aux petits organismes : il faut l'alléger.",
    "Les financements des OPCO arrivent trop tard, ce qui fragilise la trésorerie des organismes.",
    "Le CPF ne finance plus les formations courtes : les salariés renoncent faute de financement.",
]


@pytest.fixture
def scene(factory):
    process = factory.process(slug="limoges")
    moderator = factory.user(Role.MODERATOR)
    contributions = [factory.contribution(process, text=text) for text in TEXTS]
    scope = scopes.resolve_scope(process, "selection", ",".join(str(c.id) for c in contributions))
    return process, moderator, contributions, scope


@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


def _settings(server, judge=True):
    return LLMSettings(url=server.url, model="m", timeout=1.0, retries=0, backoff=0.01, judge=judge)


def _reply(ids):
    a, b, c, d = ids
    return (
        f"Plusieurs contributions demandent de simplifier la certification Qualiopi pour les petits organismes "
        f"[#{a}, #{b}]. "
        f"Les financements des OPCO arrivent trop tard [#{c}]. "
        f"Les financements des OPCO arrivent à temps et renforcent la trésorerie des organismes [#{c}]. "
        f"Le CPF finance davantage les formations courtes [#{d}]. "
        f"Tous les participants veulent supprimer les OPCO [#{a}, #{b}, #{c}]. "
        "Les participants veulent une taxe carbone [#9999]."
    )


def _phrases(message):
    return [s for s in message.content["segments"] if s["kind"] == "phrase"]


def _judge_requests(server):
    return [r for r in server.requests if r["body"]["messages"][0]["content"].startswith(JUDGE_MARK)]


def test_the_judge_can_never_show_a_sentence_the_deterministic_check_refuses(scene, llm):
    process, moderator, contributions, scope = scene
    llm.reply, llm.judge = _reply([c.id for c in contributions]), "OUI"  # a judge that confirms everything
    message = assistant.generate_message(
        process, scope, MessageKind.ANSWER, actor=moderator, question="Que disent-ils ?", llm=_settings(llm)
    )
    phrases = _phrases(message)
    assert [s["status"] for s in phrases] == [
        "verifiee",
        "verifiee",
        "non_soutenue",
        "non_soutenue",
        "non_soutenue",
        "hors_perimetre",
    ]
    scorer = SupportScorer(dict(zip(scope.ids, TEXTS)))
    for s in phrases:  # "vérifiée" only when the deterministic check, run again here, verifies it too
        cited = f"{s['text']} [{', '.join(f'#{i}' for i in s['citations'])}]"
        assert (s["status"] == "verifiee") == check_sentence(cited, scorer).is_verified, s
    asked = _judge_requests(llm)
    assert len(asked) == 2  # only the two verified sentences went to the judge
    assert all("arrivent à temps" not in r["body"]["messages"][1]["content"] for r in asked)
    assert asked[0]["body"]["messages"][0]["content"] == JUDGE_PROMPT and asked[0]["body"]["stream"] is False
    assert f'<contribution id="{contributions[0].id}">' in asked[0]["body"]["messages"][1]["content"]


def test_a_sentence_the_judge_refuses_is_not_shown_as_verified(scene, llm):
    process, moderator, contributions, scope = scene
    llm.reply = _reply([c.id for c in contributions])
    llm.judge = "NON : la contribution ne parle pas de ce délai"
    refused = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator, llm=_settings(llm))
    first = _phrases(refused)[0]
    assert first["status"] == "non_soutenue" and first["judge"] == "non"
    assert first["reason"] == f"{JUDGE_REFUSAL} : la contribution ne parle pas de ce délai"
    assert not [s for s in _phrases(refused) if s["status"] == "verifiee"]
    # Control: the same answer without the second pass keeps its two verified sentences.
    plain = assistant.generate_message(
        process, scope, MessageKind.SUMMARY, actor=moderator, llm=_settings(llm, judge=False)
    )
    assert [s["status"] for s in _phrases(plain)][:2] == ["verifiee", "verifiee"]


def test_embedded_sentences_are_judged_too_and_a_judge_down_leaves_the_deterministic_verdict(scene, llm):
    process, moderator, _, scope = scene
    llm.mode = "error"  # the endpoint answers nothing: embedded engine, and the judge cannot be asked
    message = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator, llm=_settings(llm))
    assert message.engine == "embarqué"
    assert NOTICE_JUDGE_DOWN.format(reason="erreur HTTP 500") in message.notice
    verified = [s for s in _phrases(message) if s["status"] == "verifiee"]
    assert verified and all("judge" not in s for s in verified)
    # With a judge that answers, the embedded engine's verified sentences are each confirmed.
    assert len(_judge_requests(llm)) == 1  # asked once, then no more after its failure
    llm.requests.clear()
    llm.mode, llm.reply, llm.judge = "json", "Rien de vérifiable ici.", "OUI"
    judged = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator, llm=_settings(llm))
    verified = [s for s in _phrases(judged) if s["status"] == "verifiee"]
    assert verified and all(s["judge"] == "oui" for s in verified)
    assert len(_judge_requests(llm)) == len(verified)


def test_the_embedded_engine_reads_the_stored_vectors_when_every_contribution_has_one(scene):
    process, moderator, contributions, scope = scene
    assert scopes.load_scope(scope.ids).vectors is None  # control: none stored yet
    for contribution, blob in zip(contributions, vectors.encode([c.text for c in contributions])):
        contribution.embedding, contribution.embedding_model = blob, vectors.MODEL_NAME
    db.session.commit()
    loaded = scopes.load_scope(scope.ids)
    assert loaded.vectors == [c.embedding for c in contributions]
    message = assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    assert [s for s in _phrases(message) if s["status"] == "verifiee"]
    contributions[0].embedding_model = "another-model"  # a stale vector: the encoder is used for all
    db.session.commit()
    assert scopes.load_scope(scope.ids).vectors is None

"""The assistant's one entry point, ``generate``, over its two engines.

- ``EmbeddedEngine`` (``embedded.py``): ``nlp.synthesis``, extractive, offline, deterministic; the default.
- ``ChatCompletionsEngine`` (``llm.py``): any OpenAI-compatible chat-completions endpoint, and its judge.
- ``protocol.py``: the scope, the settings and the checked segments both engines yield.

``generate`` yields *events* — ``("segment", dict)``, ``("notice", str)``, ``("engine", dict)`` —
and every generated sentence is checked by ``nlp.citations`` before it is yielded, whatever the
engine: the embedded engine's sentences once, by the synthesizer that chose them (its verdict is the
one yielded), a model's sentences here. When the endpoint is down, slow, returns garbage or nothing
verifiable, the embedded engine answers with a French notice saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from contrib.assistant.embedded import EmbeddedEngine
from contrib.assistant.llm import ChatCompletionsEngine, Judge
from contrib.assistant.protocol import TASKS, EngineError, LLMSettings, Scope, Turn, checked_title
from nlp.citations import NO_ANSWER, SupportScorer
from nlp.synthesis import ExtractiveSynthesizer

logger = logging.getLogger(__name__)

NOTICE_DOWN = (
    "Le modèle de langage configuré n'a pas répondu ({reason}) : voici la synthèse du moteur intégré, "
    "extraite des contributions."
)
NOTICE_UNVERIFIED = (
    "Aucune phrase du modèle de langage n'a pu être vérifiée dans les contributions citées : "
    "voici la synthèse du moteur intégré, extraite des contributions."
)
NOTICE_CUT = "La connexion au modèle de langage a été interrompue : la réponse est incomplète."
NOTICE_JUDGE_DOWN = (
    "Le second contrôle par le modèle de langage n'a pas pu être fait ({reason}) : "
    "les phrases vérifiées le sont par le contrôle intégré seul."
)
NOTICE_TITLE = "Le titre proposé par le modèle n'a pas pu être vérifié : le titre vient du moteur intégré."


def _judged(events: Iterator[tuple], judge: Judge) -> Iterator[tuple]:
    warned = False
    for event, value in events:
        if event == "segment":
            value = judge.review(value)
            if judge.failure is not None and not warned:
                warned = True
                yield "notice", NOTICE_JUDGE_DOWN.format(reason=judge.failure)
        yield event, value


def generate(
    task: str,
    scope: Scope,
    *,
    question: str | None = None,
    llm: LLMSettings | None = None,
    history: Sequence[Turn] = (),
) -> Iterator[tuple]:
    """Yield ``("engine", {...})``, then ``("segment", dict)`` / ``("notice", str)`` events.

    With ``llm`` the endpoint is tried first; the embedded engine answers when it fails before
    producing a verified sentence (with a notice saying why). With ``llm.judge`` the endpoint is
    also asked to confirm each verified sentence, whichever engine wrote it (:class:`Judge`): a
    sentence is "vérifiée" only when the deterministic check and the judge both pass. Never raises
    EngineError.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}")
    events = _generate(task, scope, question=question, llm=llm, history=history)
    if llm is not None and llm.judge:
        events = _judged(events, Judge(llm, dict(zip(scope.ids, scope.texts))))
    yield from events


def _generate(
    task: str, scope: Scope, *, question: str | None, llm: LLMSettings | None, history: Sequence[Turn]
) -> Iterator[tuple]:
    embedded = EmbeddedEngine()
    if llm is None:
        yield "engine", {"engine": embedded.name, "model": None}
        yield from (("segment", s) for s in embedded.generate(task, scope, question, history))
        return
    scorer = SupportScorer(dict(zip(scope.ids, scope.texts)))
    engine = ChatCompletionsEngine(llm)
    produced: list[dict] = []
    pending: list[dict] = []
    announced = False
    try:
        for segment in engine.generate(task, scope, scorer, question, history):
            produced.append(segment)
            # Hold everything until a first verified sentence (or the "no answer" sentence) comes:
            # a model that verifies nothing is replaced as a whole by the embedded engine.
            if not announced:
                pending.append(segment)
                if segment["status"] == "verifiee" or segment["text"] == NO_ANSWER:
                    announced = True
                    yield "engine", {"engine": engine.name, "model": engine.model}
                    yield from (("segment", s) for s in pending)
                    pending = []
                continue
            yield "segment", segment
    except EngineError as error:
        logger.warning("LLM endpoint failed: %s", error.reason)
        if announced:
            yield "notice", NOTICE_CUT
            return
        yield "engine", {"engine": embedded.name, "model": None}
        yield "notice", NOTICE_DOWN.format(reason=error.reason)
        yield from (("segment", s) for s in embedded.generate(task, scope, question, history))
        return
    if not announced:
        yield "engine", {"engine": embedded.name, "model": None}
        yield "notice", NOTICE_UNVERIFIED
        yield from (("segment", s) for s in embedded.generate(task, scope, question, history))
        return
    if task == "draft":
        titles = [s for s in produced if s["kind"] == "titre"]
        if not titles or titles[0]["status"] != "structure":
            synthesizer = ExtractiveSynthesizer().fit(scope.ids, scope.texts, **scope.metadata())
            yield "notice", NOTICE_TITLE
            yield "segment", checked_title(synthesizer.draft().title, scorer)

"""The embedded engine: extractive synthesis with ``nlp.synthesis``, offline and deterministic; the default."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from contrib.assistant.protocol import EMBEDDED, Scope, Turn, checked_segment, checked_title
from nlp.citations import SupportScorer
from nlp.synthesis import ExtractiveSynthesizer, Segment, answer_question


class EmbeddedEngine:
    """Extractive synthesis with ``nlp.synthesis``: no network, deterministic."""

    name = EMBEDDED
    model = None

    def generate(
        self, task: str, scope: Scope, scorer: SupportScorer, question: str | None = None, history: Sequence[Turn] = ()
    ) -> Iterator[dict]:
        if task == "answer":
            previous = [turn.question for turn in history]
            result = answer_question(scope.ids, scope.texts, question or "", history=previous, **scope.metadata())
            for segment in result.segments:
                yield checked_segment(segment, scorer)
            return
        synthesizer = ExtractiveSynthesizer().fit(scope.ids, scope.texts, **scope.metadata())
        if task == "draft":
            draft = synthesizer.draft()
            yield checked_title(draft.title, scorer)
            for segment in draft.text:
                yield checked_segment(segment, scorer, "texte")
            if draft.arguments:
                yield checked_segment(Segment("liaison", "Arguments :"), scorer, "arguments")
                for segment in draft.arguments:
                    yield checked_segment(segment, scorer, "arguments")
            return
        for segment in synthesizer.summary().segments:
            yield checked_segment(segment, scorer)

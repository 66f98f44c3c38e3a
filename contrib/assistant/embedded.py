"""The embedded engine: extractive synthesis with ``nlp.synthesis``, offline and deterministic; the default."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from contrib.assistant.protocol import EMBEDDED, Scope, Turn, checked_title, phrase_segment, structure_segment
from nlp.synthesis import ExtractiveSynthesizer, Segment


def _checked(segment: Segment, synthesizer: ExtractiveSynthesizer, section: str = "texte") -> dict:
    """A segment as stored and shown, its sentence with the citation check's verdict.

    The synthesizer checked each sentence it chose (:meth:`ExtractiveSynthesizer.verdict`, the scope and its
    size): that verdict is stored, not computed a second time; a sentence it has not checked is checked now.
    """
    if segment.kind != "phrase":
        return structure_segment(segment.kind, segment.text, section, segment.level)
    return phrase_segment(synthesizer.verdict(segment), section)


class EmbeddedEngine:
    """Extractive synthesis with ``nlp.synthesis``: no network, deterministic."""

    name = EMBEDDED
    model = None

    def generate(
        self, task: str, scope: Scope, question: str | None = None, history: Sequence[Turn] = ()
    ) -> Iterator[dict]:
        """Yield the checked segments of ``task`` (summary, answer or draft) on ``scope``."""
        synthesizer = ExtractiveSynthesizer().fit(scope.ids, scope.texts, **scope.metadata())
        if task == "answer":
            previous = [turn.question for turn in history]
            for segment in synthesizer.answer(question or "", history=previous).segments:
                yield _checked(segment, synthesizer)
            return
        if task == "draft":
            draft = synthesizer.draft()
            yield checked_title(draft.title, synthesizer.scorer_)
            for segment in draft.text:
                yield _checked(segment, synthesizer, "texte")
            if draft.arguments:
                yield _checked(Segment("liaison", "Arguments :"), synthesizer, "arguments")
                for segment in draft.arguments:
                    yield _checked(segment, synthesizer, "arguments")
            return
        for segment in synthesizer.summary().segments:
            yield _checked(segment, synthesizer)

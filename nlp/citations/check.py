"""The verdict on each sentence of a generated text: :func:`check_text` and :func:`check_sentence`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.citations.analysis import SupportScorer, _analyse
from nlp.citations.calibration import load_calibration
from nlp.citations.examination import _examine
from nlp.citations.rules.entities import _entities
from nlp.citations.sentences import parse_citations, split_sentences
from nlp.citations.thresholds import DEFAULT_MIN_EACH, DEFAULT_THRESHOLD
from nlp.citations.wording import _ids_phrase, join_reasons

STATUS_LABELS = {
    "verifiee": "vérifiée",
    "liaison": "liaison",
    "lien": "lien : rien à vérifier",
    "sans_citation": "non vérifiée : aucune source citée",
    "hors_perimetre": "non vérifiée : source hors de la sélection",
    "non_soutenue": "non vérifiée : la source ne le dit pas",
}


CALIBRATION_REFUSAL = "la phrase dit plus que"
"""How the reason opens when no rule refuses a sentence but its calibrated probability is below the threshold."""


@dataclass(frozen=True)
class CheckedSentence:
    """One sentence of a generated text and the verdict on it.

    Attributes
    ----------
    text : str
        The sentence without its citation markers.
    citations : tuple of int
        Cited ids, in the order written.
    status : str
        One of :data:`STATUS_LABELS`.
    score : float
        Share of the sentence's content words aligned with the cited texts (0 when not computed).
    bad_ids : tuple of int
        Cited ids out of scope, contradicting the sentence, or not supporting it on their own.
    reason : str
        Why the sentence is not verified, in French ("" when verified).
    supporting_ids : tuple of int
        Cited ids that support part of the sentence.
    probability : float
        Calibrated probability that the cited texts say it (:mod:`nlp.citations.calibration`); 0 when a rule
        refused the sentence first.
    """

    text: str
    citations: tuple[int, ...]
    status: str
    score: float = 0.0
    bad_ids: tuple[int, ...] = ()
    reason: str = ""
    supporting_ids: tuple[int, ...] = ()
    probability: float = 0.0

    @property
    def is_verified(self) -> bool:
        return self.status == "verifiee"

    @property
    def is_shown_as_fact(self) -> bool:
        return self.status in ("verifiee", "liaison")


def check_text(
    text: str,
    scope: Mapping[int, str] | SupportScorer,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_each: float = DEFAULT_MIN_EACH,
    scope_size: int | None = None,
) -> list[CheckedSentence]:
    """Split ``text`` into sentences and check each one's citations against ``scope``.

    Parameters
    ----------
    text : str
        Generated text citing sources as ``[#id]`` / ``[#id, #id]``.
    scope : mapping of id to str, or SupportScorer
        The contributions the text may cite.
    threshold : float, default=DEFAULT_THRESHOLD
        Share of the sentence's content words aligned with the cited texts that the coverage rule asks for
        (since v5 the rule's verdict is one input of the calibration, not a refusal).
    min_each : float, default=DEFAULT_MIN_EACH
        Minimum share aligned with each cited text alone.
    scope_size : int, optional
        How many contributions the text speaks about: lets "la majorité" / "tous" be checked.

    Returns
    -------
    list of CheckedSentence
        One per sentence, in order ([] for an empty text).

    Examples
    --------
    >>> text = "Il faut baisser la TVA sur l'alimentation. [#1] Supprimer l'école. [#1] Bonjour [#9]."
    >>> [s.status for s in check_text(text, {1: "Il faut baisser la TVA sur l'alimentation."})]
    ['verifiee', 'non_soutenue', 'hors_perimetre']
    """
    if not 0 <= min_each <= threshold <= 1:
        raise ValueError("expected 0 <= min_each <= threshold <= 1")
    scorer = scope if isinstance(scope, SupportScorer) else SupportScorer(scope, scope_size=scope_size)
    if scope_size is not None:
        scorer.scope_size = scope_size
    return [
        check_sentence(sentence, scorer, threshold=threshold, min_each=min_each) for sentence in split_sentences(text)
    ]


def check_sentence(
    sentence: str, scorer: SupportScorer, *, threshold: float = DEFAULT_THRESHOLD, min_each: float = DEFAULT_MIN_EACH
) -> CheckedSentence:
    """Check one sentence (with its citation markers) against the scope of ``scorer``."""
    plain, ids = parse_citations(sentence)
    claim = _analyse(plain)
    entities = _entities(plain)
    has_content = bool(claim.words or claim.numbers or entities)
    if not ids:
        return CheckedSentence(
            plain,
            (),
            "sans_citation" if has_content else "liaison",
            reason="aucune source citée" if has_content else "",
        )
    outside = tuple(i for i in ids if i not in scorer)
    if outside:
        names = ", ".join(f"n° {i}" for i in outside)
        return CheckedSentence(
            plain,
            ids,
            "hors_perimetre",
            bad_ids=outside,
            reason=f"contribution{'s' if len(outside) > 1 else ''} {names} hors de la sélection",
        )
    if not has_content:
        link = "rien à vérifier\u00a0: un simple renvoi n'est pas une citation"
        return CheckedSentence(plain, ids, "lien", reason=link)
    exam = _examine(sentence, plain, ids, claim, entities, scorer, min_each=min_each, threshold=threshold)
    calibration = load_calibration()
    refusals = [reason for kind, reason in exam.refusals if kind in calibration.hard_rules]
    doubts = [reason for kind, reason in exam.refusals if kind not in calibration.hard_rules]
    probability = 0.0
    if not refusals:
        probability = calibration.probability(exam.features())
        if probability >= calibration.threshold:
            return CheckedSentence(
                plain, ids, "verifiee", round(exam.score, 3), supporting_ids=exam.supporting, probability=probability
            )
        if not doubts:  # only the calibration refuses: the sentence reads as more than its sources
            doubts = [f"{CALIBRATION_REFUSAL} {_ids_phrase(ids)} (confiance\u00a0: {round(probability * 100)}\u00a0%)"]
    reasons = refusals + doubts
    return CheckedSentence(
        plain,
        ids,
        "non_soutenue",
        round(exam.score, 3),
        bad_ids=tuple(dict.fromkeys(exam.bad)) or ids,
        reason=join_reasons(reasons),
        supporting_ids=exam.supporting,
        probability=probability,
    )


def verified_share(sentences: Sequence[CheckedSentence]) -> float:
    """Share of the sentences carrying a citation that are verified (1.0 when none cites)."""
    cited = [s for s in sentences if s.citations]
    return sum(s.is_verified for s in cited) / len(cited) if cited else 1.0

"""Checked citations: does each sentence of a generated text come from the contributions it cites?

A generated text (by the embedded extractive engine or by any language model) cites its sources
as ``[#12]`` or ``[#12, #15]``. :func:`check_text` splits it into sentences and gives each one a
status; only ``"verifiee"`` sentences may be shown as fact:

- ``"verifiee"``: at least one citation, every cited id is in the scope, and the cited texts
  support the sentence (support score ≥ ``threshold``, and each cited text alone ≥ ``min_each``);
- ``"liaison"``: a connecting phrase with no content word of its own ("Voici ce qui ressort :");
- ``"sans_citation"``: content words but no citation;
- ``"hors_perimetre"``: cites an id that is not in the scope (invented, or another cluster);
- ``"non_soutenue"``: the cited texts do not contain what the sentence says.

**Support score** (deterministic, offline): the idf-weighted share of the sentence's content
stems (Snowball, stop words and discourse words such as "contribution", "propose", "plusieurs"
removed) that occur in the cited texts. Thresholds measured on ``../shared/data`` by
``bench/bench_assistant.py`` (see the README section "Assistant de synthèse").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from nlp.text import FrenchAnalyzer, fold

__all__ = [
    "DEFAULT_MIN_EACH",
    "DEFAULT_THRESHOLD",
    "NO_ANSWER",
    "STATUS_LABELS",
    "CheckedSentence",
    "SupportScorer",
    "check_text",
    "format_citations",
    "is_no_answer",
    "parse_citations",
    "split_sentences",
]

DEFAULT_THRESHOLD = 0.6
"""Share of the sentence's (idf-weighted) content that the cited texts must contain."""
DEFAULT_MIN_EACH = 0.3
"""Share each cited text must contain on its own: no passenger citation on a supported sentence."""

NO_ANSWER = "Les contributions de cette sélection ne répondent pas à cette question."

STATUS_LABELS = {
    "verifiee": "vérifiée",
    "liaison": "liaison",
    "sans_citation": "non vérifiée : aucune source citée",
    "hors_perimetre": "non vérifiée : source hors de la sélection",
    "non_soutenue": "non vérifiée : la source ne le dit pas",
}

# Words that describe the discourse rather than its content: a summary says "plusieurs
# participants proposent" without the contributions containing those words.
_DISCOURSE_WORDS = (
    "contribution contributions contributeur contributeurs participant participants participante "
    "personne personnes auteur auteurs plusieurs certains certaines nombreux nombreuses beaucoup "
    "propose proposent proposer proposition propositions demande demandent demander souhaite "
    "souhaitent souhaiter suggere suggerent suggerer souligne soulignent souligner insiste "
    "insistent evoque evoquent evoquer mentionne mentionnent estime estiment affirme affirment "
    "rappelle rappellent explique expliquent indique indiquent pense pensent dit disent selon "
    "idee idees principale principales argument arguments signal signaux faible faibles "
    "ressort ressortent point points theme themes sujet sujets question questions reponse "
    "selection groupe ensemble egalement aussi notamment enfin ailleurs part autre autres "
    "voici resume synthese exprime expriment avis echo echos isole isolee seul seule "
    "moins fois titre texte brouillon"
).split()

_CITATION = re.compile(r"\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\]")
_CITED_ID = re.compile(r"\d+")
# A sentence ends at . ! ? … (and the citations written right after it), before the next word.
_SENTENCE_END = re.compile(r"[.!?…](?:\s*\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\])*\s+(?=[^\s\[])")
_LEADING_CITATIONS = re.compile(r"^\s*((?:\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\][\s.,;]*)+)")
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*•]\s+|\d+[.)]\s+|>\s*)")
_BOLD = re.compile(r"\*\*|__")


def parse_citations(sentence: str) -> tuple[str, tuple[int, ...]]:
    """Return ``(sentence without its citation markers, cited ids in order, without repeats)``."""
    ids: list[int] = []
    for marker in _CITATION.findall(sentence):
        ids.extend(int(n) for n in _CITED_ID.findall(marker))
    text = _CITATION.sub("", sentence)
    # Only from the start of a run of spaces: each later space would rescan the run (quadratic).
    text = re.sub(r"(?<!\s)\s+([.,;:!?…])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text, tuple(dict.fromkeys(ids))


def format_citations(ids: Iterable[Hashable]) -> str:
    """``[#3, #8]`` for ids 3 and 8 ("" for none)."""
    ids = list(ids)
    return "[" + ", ".join(f"#{i}" for i in ids) + "]" if ids else ""


def split_sentences(text: str) -> list[str]:
    """Split a generated text into sentences, keeping each citation with the sentence it follows.

    Lines are split first (headings, bullets), then sentences; Markdown markers are removed.
    A citation written after the full stop (``… impôts. [#4]``) belongs to the sentence before.
    """
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = _BOLD.sub("", _MARKUP.sub("", line)).strip()
        if not line:
            continue
        cuts = [m.end() for m in _SENTENCE_END.finditer(line)]
        for start, end in zip([0, *cuts], [*cuts, len(line)]):
            piece = line[start:end].strip()
            leading = _LEADING_CITATIONS.match(piece)
            if leading and out:
                out[-1] = f"{out[-1]} {leading.group(1).strip()}"
                piece = piece[leading.end():].strip()
            if piece:
                out.append(piece)
    return out


def is_no_answer(sentence: str) -> bool:
    """True for the assistant's French "the contributions do not answer" sentence."""
    return fold(parse_citations(sentence)[0]).rstrip(" .") == fold(NO_ANSWER).rstrip(" .")


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
        Support score of the cited texts together (0 when not computed).
    bad_ids : tuple of int
        Cited ids out of scope, or not supporting the sentence on their own.
    """

    text: str
    citations: tuple[int, ...]
    status: str
    score: float = 0.0
    bad_ids: tuple[int, ...] = ()

    @property
    def is_verified(self) -> bool:
        return self.status == "verifiee"

    @property
    def is_shown_as_fact(self) -> bool:
        return self.status in ("verifiee", "liaison")


class SupportScorer:
    """Scores how much of a sentence a set of texts contains (idf-weighted stem coverage).

    Parameters
    ----------
    texts : mapping of id to str
        The scope: every text a sentence may cite. Their document frequencies give the idf.
    """

    def __init__(self, texts: Mapping[int, str]):
        self._analyzer = FrenchAnalyzer()
        self._discourse = {s for w in _DISCOURSE_WORDS for s in self._analyzer.stems(w)}
        self.stems_ = {id_: frozenset(self._analyzer.stems(text)) for id_, text in texts.items()}
        df = Counter(stem for stems in self.stems_.values() for stem in stems)
        n = max(1, len(self.stems_))
        self._idf = {stem: math.log((1 + n) / (1 + count)) + 1 for stem, count in df.items()}
        self._unknown_idf = math.log(1 + n) + 1

    def content_stems(self, sentence: str) -> set[str]:
        """The sentence's content stems (stop words and discourse words removed)."""
        return {s for s in self._analyzer.stems(sentence) if s not in self._discourse}

    def score(self, sentence: str | set[str], ids: Iterable[int]) -> float:
        """Share (0–1) of the sentence's idf-weighted content stems found in texts ``ids``.

        A sentence without content stems scores 1.0 (nothing to support); unknown ids add nothing.
        """
        stems = self.content_stems(sentence) if isinstance(sentence, str) else sentence
        if not stems:
            return 1.0
        found: set[str] = set()
        for id_ in ids:
            found |= self.stems_.get(id_, frozenset())
        weights = {s: self._idf.get(s, self._unknown_idf) for s in stems}
        total = sum(weights.values())
        return sum(w for s, w in weights.items() if s in found) / total

    def __contains__(self, id_: int) -> bool:
        return id_ in self.stems_


def check_text(
    text: str,
    scope: Mapping[int, str] | SupportScorer,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_each: float = DEFAULT_MIN_EACH,
) -> list[CheckedSentence]:
    """Split ``text`` into sentences and check each one's citations against ``scope``.

    Parameters
    ----------
    text : str
        Generated text citing sources as ``[#id]`` / ``[#id, #id]``.
    scope : mapping of id to str, or SupportScorer
        The contributions the text may cite.
    threshold : float, default=DEFAULT_THRESHOLD
        Minimum support score of the cited texts together.
    min_each : float, default=DEFAULT_MIN_EACH
        Minimum support score of each cited text alone.

    Returns
    -------
    list of CheckedSentence
        One per sentence, in order ([] for an empty text).

    Examples
    --------
    >>> [s.status for s in check_text("Baisser la TVA. [#1] Supprimer l'école. [#1] Bonjour [#9].",
    ...                                {1: "Il faut baisser la TVA sur l'alimentation."})]
    ['verifiee', 'non_soutenue', 'hors_perimetre']
    """
    if not 0 <= min_each <= threshold <= 1:
        raise ValueError("expected 0 <= min_each <= threshold <= 1")
    scorer = scope if isinstance(scope, SupportScorer) else SupportScorer(scope)
    return [check_sentence(sentence, scorer, threshold=threshold, min_each=min_each)
            for sentence in split_sentences(text)]


def check_sentence(sentence: str, scorer: SupportScorer, *, threshold: float = DEFAULT_THRESHOLD,
                   min_each: float = DEFAULT_MIN_EACH) -> CheckedSentence:
    """Check one sentence (with its citation markers) against the scope of ``scorer``."""
    plain, ids = parse_citations(sentence)
    stems = scorer.content_stems(plain)
    if not ids:
        return CheckedSentence(plain, (), "liaison" if not stems else "sans_citation")
    outside = tuple(i for i in ids if i not in scorer)
    if outside:
        return CheckedSentence(plain, ids, "hors_perimetre", bad_ids=outside)
    if not stems:
        # A citation on a sentence with no content ("Voir [#3].") proves nothing: shown as a link.
        return CheckedSentence(plain, ids, "verifiee", 1.0)
    together = scorer.score(stems, ids)
    weak = tuple(i for i in ids if scorer.score(stems, (i,)) < min_each) if len(ids) > 1 else ()
    if together < threshold:
        return CheckedSentence(plain, ids, "non_soutenue", together, bad_ids=ids)
    if weak:
        return CheckedSentence(plain, ids, "non_soutenue", together, bad_ids=weak)
    return CheckedSentence(plain, ids, "verifiee", together)


def verified_share(sentences: Sequence[CheckedSentence]) -> float:
    """Share of the sentences carrying a citation that are verified (1.0 when none cites)."""
    cited = [s for s in sentences if s.citations]
    return sum(s.is_verified for s in cited) / len(cited) if cited else 1.0

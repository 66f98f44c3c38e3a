"""Checked citations: does each sentence of a generated text say what the contributions it cites say?

A generated text (by the embedded extractive engine or by any language model) cites its sources
as ``[#12]`` or ``[#12, #15]``. :func:`check_text` splits it into sentences and gives each one a
status; only ``"verifiee"`` sentences may be shown as fact:

- ``"verifiee"``: cited ids in the scope, and every deterministic check below passes;
- ``"liaison"``: a connecting phrase with no content word and no citation ("Voici ce qui ressort :");
- ``"lien"``: a citation on a sentence with nothing to check ("Voir [#3].") — a link, never a fact;
- ``"sans_citation"``: content words but no citation;
- ``"hors_perimetre"``: cites an id that is not in the scope (invented, or another cluster);
- ``"non_soutenue"``: the cited texts do not say what the sentence says; ``reason`` says why, in French.

Checks (deterministic and offline; each refusal names the rule and the contribution):

1. **Polarity** (:mod:`nlp._polarity`): every content word has the polarity of its clause
   ("ne … pas", "ne plus", "sans", "aucun", "jamais", "peu", "faute de", "contre", "refuser",
   "plutôt que"…); a word found in the cited texts only with the other polarity, or only as its
   antonym ("supprimer"/"maintenir", "augmenter"/"réduire"), is a contradiction.
2. **Numbers**: amounts, counts, percentages, fractions and periods ("20 €" = "20 euros" =
   "vingt", "20 %" = "20%", "un sur trois" = "un tiers", "chaque année" = "tous les ans") must be
   in the cited texts.
3. **Actors, places, programmes**: acronyms, capitalised proper nouns and known institutions
   (OPCO, Région, État, France Travail, CPF, Qualiopi, a city…) must be in the cited texts.
4. **Quantifiers**: "deux contributions" needs two supporting sources, "plusieurs", "des/les
   participants" at least two; "la majorité", "la plupart", "tous", "unanimement"… need a count
   over the scope: refused unless ``scope_size`` is given and the supporting sources exceed half
   of it (all of it for "tous"), or the cited text says it itself.
5. **Coverage**: every content word of the sentence is aligned with a word of the cited texts
   (same stem or lemma, or close in the sentence encoder's space), each clause is covered, the
   sentence as a whole is close in meaning to the cited passage (:func:`nlp.embeddings.embed`),
   and every cited text supports part of the sentence.

Thresholds were chosen on the tuning part of ``../shared/data/dev_citations.csv``
(:mod:`nlp.evaluate_citations`), never claim by claim.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp._polarity import (
    Token,
    antonyms,
    in_family,
    is_action_word,
    is_negative_word,
    is_polarity_word,
    polarities,
    sans_complements,
    tokenize,
)
from nlp.stopwords import STOP_WORDS
from nlp.text import FrenchAnalyzer, fold

__all__ = [
    "DEFAULT_MIN_EACH",
    "DEFAULT_THRESHOLD",
    "NO_ANSWER",
    "STATUS_LABELS",
    "CheckedSentence",
    "SupportScorer",
    "check_sentence",
    "check_text",
    "format_citations",
    "is_no_answer",
    "parse_citations",
    "split_sentences",
    "verified_share",
]

DEFAULT_THRESHOLD = 0.8
"""Share of the sentence's content words that must be aligned with words of the cited texts."""
DEFAULT_MIN_EACH = 0.25
"""Share of the sentence each cited text must align on its own: no passenger citation."""
WORD_SIMILARITY = 0.6
"""Cosine (sentence encoder) above which two different words count as aligned (synonyms)."""
SENTENCE_SIMILARITY = 0.35
"""Cosine between the sentence and its best cited passage, below which it is not supported."""
PARAPHRASE_SIMILARITY = 0.55
"""Cosine above which a sentence may have fewer aligned words (``PARAPHRASE_COVERAGE``): a rewording."""
PARAPHRASE_COVERAGE = 0.6
SYNTHESIS_SIMILARITY = 0.4
"""Cosine with the cited passages above which a sentence supported by two texts or more may have
``PARAPHRASE_COVERAGE`` aligned words only."""
SOURCE_SIMILARITY = 0.35
"""Cosine above which a cited text supports part of the sentence even with few shared words."""
CLAUSE_COVERAGE = 0.5
"""Share of a clause's content words that must be aligned: no unsupported half-sentence."""
COUNTED_SOURCE_SHARE = 0.5
"""« Deux contributions … »: each counted source aligns this share of the sentence, or two words that are
not all names, or is close in meaning (``PARAPHRASE_SIMILARITY``); a source sharing one word or only the
actor's name does not say it."""

NO_ANSWER = "Les contributions de cette sélection ne répondent pas à cette question."

STATUS_LABELS = {
    "verifiee": "vérifiée",
    "liaison": "liaison",
    "lien": "lien : rien à vérifier",
    "sans_citation": "non vérifiée : aucune source citée",
    "hors_perimetre": "non vérifiée : source hors de la sélection",
    "non_soutenue": "non vérifiée : la source ne le dit pas",
}

# Words that describe the discourse rather than its content: a summary says "plusieurs
# participants proposent" without the contributions containing those words.
_DISCOURSE_WORDS = frozenset(
    fold(w)
    for w in [
        "contribution",
        "contributions",
        "contributeur",
        "contributeurs",
        "contributrice",
        "contributrices",
        "participant",
        "participants",
        "participante",
        "participantes",
        "personne",
        "auteur",
        "auteurs",
        "répondant",
        "répondants",
        "plusieurs",
        "certains",
        "certaines",
        "nombreux",
        "nombreuses",
        "beaucoup",
        "propose",
        "proposent",
        "proposé",
        "proposée",
        "proposer",
        "proposition",
        "propositions",
        "demande",
        "demandent",
        "demandé",
        "demander",
        "souhaite",
        "souhaitent",
        "souhaiter",
        "suggère",
        "suggèrent",
        "suggérer",
        "souligne",
        "soulignent",
        "souligner",
        "insiste",
        "insistent",
        "évoque",
        "évoquent",
        "évoquer",
        "mentionne",
        "mentionnent",
        "estime",
        "estiment",
        "affirme",
        "affirment",
        "rappelle",
        "rappellent",
        "explique",
        "expliquent",
        "indique",
        "indiquent",
        "pense",
        "pensent",
        "dit",
        "disent",
        "déclare",
        "déclarent",
        "selon",
        "juge",
        "jugent",
        "jugé",
        "jugée",
        "jugés",
        "jugées",
        "considère",
        "considèrent",
        "signale",
        "signalent",
        "témoigne",
        "témoignent",
        "décrit",
        "décrivent",
        "plaide",
        "plaident",
        "pointe",
        "pointent",
        "réclame",
        "réclament",
        "note",
        "notent",
        "constate",
        "constatent",
        "relève",
        "relèvent",
        "attend",
        "attendent",
        "cherche",
        "cherchent",
        "porte",
        "portent",
        "présente",
        "présentent",
        "présenté",
        "présentée",
        "voudrait",
        "voudraient",
        "veut",
        "veulent",
        "idée",
        "idées",
        "principale",
        "principales",
        "argument",
        "arguments",
        "signal",
        "signaux",
        "faible",
        "faibles",
        "ressort",
        "ressortent",
        "point",
        "points",
        "thème",
        "thèmes",
        "sujet",
        "sujets",
        "question",
        "questions",
        "réponse",
        "sélection",
        "groupe",
        "également",
        "aussi",
        "notamment",
        "enfin",
        "ailleurs",
        "part",
        "autre",
        "autres",
        "voici",
        "résumé",
        "synthèse",
        "exprime",
        "expriment",
        "avis",
        "écho",
        "échos",
        "isolé",
        "isolée",
        "seul",
        "seule",
        "fois",
        "titre",
        "texte",
        "brouillon",
        "il",
        "est",
        "ce",
        "cet",
        "cette",
        "ces",
        "lui",
        "eux",
        "leur",
        "l'une",
        "l'autre",
        "une",
        "autre",
        "d'abord",
        "ainsi",
        "que",
        "dont",
        "davantage",
        "très",
        "souvent",
        "parfois",
        "désormais",
        "particulier",
        "particulièrement",
        "surtout",
        "vraiment",
        "encore",
        "déjà",
        "seulement",
        "fortement",
        "nettement",
        "simplement",
        "aujourd",
        "hui",
    ]
)
_SOURCE_NOUNS = frozenset(
    fold(w)
    for w in [
        "contributions",
        "participants",
        "participantes",
        "contributeurs",
        "contributrices",
        "auteurs",
        "répondants",
        "textes",
        "avis",
    ]
)
_NUMBER_WORDS = {
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "vingts": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
    "cents": 100,
    "mille": 1000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "milliard": 10**9,
    "milliards": 10**9,
}
_FRACTIONS = {"moitie": 0.5, "tiers": 1 / 3, "quart": 0.25, "quarts": 0.25, "demi": 0.5}
_PERIOD_UNITS = {
    "an": "an",
    "ans": "an",
    "annee": "an",
    "annees": "an",
    "mois": "mois",
    "semaine": "semaine",
    "semaines": "semaine",
    "jour": "jour",
    "jours": "jour",
}
_ANNUAL = frozenset({"annuel", "annuels", "annuelle", "annuelles"})
# Universal and majority quantifiers: true only with a count over the whole scope.
_UNIVERSAL = frozenset(
    {
        "tous",
        "toutes",
        "tout",
        "chaque",
        "chacun",
        "chacune",
        "ensemble",
        "unanimement",
        "unanime",
        "unanimes",
        "unanimite",
    }
)
_MAJORITY = frozenset({"majorite", "majoritairement", "plupart"})
# Institutions and programmes that may be written in lower case.
_KNOWN_ENTITIES = frozenset(
    {
        "etat",
        "region",
        "regions",
        "departement",
        "opco",
        "cpf",
        "qualiopi",
        "caf",
        "france travail",
        "pole emploi",
        "mission locale",
        "europe",
        "union europeenne",
    }
)
# Who acts in the training sector, for the who-does-what check (besides names and agent nouns).
_ACTOR_NOUNS = frozenset(
    fold(w)
    for w in [
        "organisme",
        "organismes",
        "entreprise",
        "entreprises",
        "salarié",
        "salariés",
        "stagiaire",
        "stagiaires",
        "apprenti",
        "apprentis",
        "alternant",
        "alternants",
        "commune",
        "communes",
        "mairie",
        "mairies",
        "association",
        "associations",
        "branche",
        "branches",
        "établissement",
        "établissements",
        "élus",
        "citoyens",
        "état",
        "région",
        "régions",
    ]
)
_CAPITALISED = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]*(?:[ -](?:de |du |des |la |le |l'|d')?[A-ZÀ-ÖØ-Þ][\wÀ-ÿ-]*)*")
_ENTITY_STOP = frozenset(
    fold(w)
    for w in [
        "un",
        "une",
        "le",
        "la",
        "les",
        "l",
        "des",
        "de",
        "du",
        "ce",
        "cet",
        "cette",
        "ces",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "nous",
        "je",
        "selon",
        "pour",
        "dans",
        "en",
        "au",
        "aux",
        "à",
        "a",
        "deux",
        "trois",
        "plusieurs",
        "tous",
        "toutes",
        "tout",
        "chaque",
        "sans",
        "avec",
        "si",
        "quand",
        "lorsque",
        "mais",
        "et",
        "ou",
        "donc",
        "car",
        "toute",
        "faute",
        "payer",
        "voir",
        "dès",
        "avant",
        "après",
        "pendant",
        "sur",
        "sous",
        "par",
    ]
)
_ANALYZER = FrenchAnalyzer()

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
                piece = piece[leading.end() :].strip()
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
        Share of the sentence's content words aligned with the cited texts (0 when not computed).
    bad_ids : tuple of int
        Cited ids out of scope, contradicting the sentence, or not supporting it on their own.
    reason : str
        Why the sentence is not verified, in French ("" when verified).
    supporting_ids : tuple of int
        Cited ids that support part of the sentence.
    """

    text: str
    citations: tuple[int, ...]
    status: str
    score: float = 0.0
    bad_ids: tuple[int, ...] = ()
    reason: str = ""
    supporting_ids: tuple[int, ...] = ()

    @property
    def is_verified(self) -> bool:
        return self.status == "verifiee"

    @property
    def is_shown_as_fact(self) -> bool:
        return self.status in ("verifiee", "liaison")


@dataclass
class _Word:
    folded: str
    stem: str
    lemma: str
    clause: int
    polarity: int
    start: int
    end: int
    unit: int = 0
    sans: bool = False  # the complement of a "sans", negated alone


@dataclass
class _Analysis:
    """What the checks need to know about one text (a sentence or a cited contribution)."""

    text: str
    folded: str
    tokens: list[Token]
    words: list[_Word]
    numbers: dict[tuple[str, object], str]
    negated: dict[int, bool]
    whole: set[int]
    quantifiers: dict[str, str] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    stems = _ANALYZER.stems(word)
    return stems[0] if stems else ""


@functools.lru_cache(maxsize=50_000)
def _lemma(word: str) -> str:
    import simplemma

    return fold(simplemma.lemmatize(word, lang="fr"))


def _is_content(word: str) -> bool:
    return (
        len(word) >= 3
        and not word.isdigit()
        and word not in STOP_WORDS
        and word not in _DISCOURSE_WORDS
        and word not in _NUMBER_WORDS
        and word not in _FRACTIONS
        and word not in _PERIOD_UNITS
        and word not in _UNIVERSAL
        and word not in _MAJORITY
        and not is_polarity_word(word)
    )


_FRAME = re.compile(r"\b(?:fon?t|faire|fait) etat d(?:e |')|\bporte(?:nt)? sur\b|\ba propos d(?:e |')")


def _analyse(text: str) -> _Analysis:
    folded = _FRAME.sub(" ", fold(text).replace("’", "'"))
    tokens = tokenize(folded)
    polarity, negated, whole = polarities(tokens)
    local = sans_complements(tokens)
    words = [
        _Word(t.folded, _stem(t.folded) or t.folded, _lemma(t.folded), t.clause, p, t.start, t.end, sans=n in local)
        for n, (t, p) in enumerate(zip(tokens, polarity))
        if _is_content(t.folded)
    ]
    for w in words:  # coverage units: clauses cut further at commas and "et" / "ou" / "mais"
        before = folded[: w.start]
        w.unit = len(re.findall(r"[,;:()]|\b(?:et|ou|mais)\b", before))
    analysis = _Analysis(text, folded, tokens, words, _numbers(tokens), negated, whole)
    analysis.quantifiers = _quantifiers(tokens)
    return analysis


def _parse_number(text: str) -> float | None:
    digits = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"\d+(?:[.,]\d+)?", digits):
        return float(digits.replace(",", "."))
    return None


def _numbers(tokens: list[Token]) -> dict[tuple[str, object], str]:
    """{(kind, value): surface} of the counts, ratios and periods of a text.

    "20 €", "20 euros" and "vingt" are the count 20; "20 %", "20%" and "un cinquième" the ratio
    0.2; "un sur trois" and "un tiers" the ratio 1/3; "tous les trois ans" the period (3, an).
    """
    out: dict[tuple[str, object], str] = {}
    words = [t.folded for t in tokens]
    values: list[float | None] = []
    i = 0
    while i < len(words):  # compose number words: "dix huit" 18, "trois mille" 3000, "vingt et un" 21
        value = _parse_number(words[i])
        if value is None and words[i] in _NUMBER_WORDS:
            total, current, j = 0.0, 0.0, i
            while j < len(words) and (
                words[j] in _NUMBER_WORDS or (words[j] == "et" and j + 1 < len(words) and words[j + 1] in ("un", "une"))
            ):
                w = words[j]
                if w in ("et",):
                    current += 1
                    j += 2
                    continue
                n = _NUMBER_WORDS[w]
                if n >= 1000:
                    total += max(current, 1) * n
                    current = 0
                elif n == 100:
                    current = max(current, 1) * 100
                else:
                    current += n
                j += 1
            values.extend([total + current] + [None] * (j - i - 1))
            i = j
            continue
        if words[i] in ("un", "une") and any(
            words[k] == "sur" and k + 1 < len(words) and (_parse_number(words[k + 1]) or words[k + 1] in _NUMBER_WORDS)
            for k in range(i + 1, min(i + 3, len(words)))
        ):
            value = 1.0  # "un stagiaire sur trois"
        values.append(value)
        i += 1
    for i, word in enumerate(words):
        value = values[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        prev = words[i - 1] if i else ""
        if word in _FRACTIONS:
            factor = (values[i - 1] or 1.0) if i else 1.0
            out[("ratio", round(factor * _FRACTIONS[word], 3))] = f"{prev} {word}".strip()
        elif word in _PERIOD_UNITS and (
            prev in ("chaque", "par") or (prev == "les" and words[i - 2] in ("tous", "toutes"))
        ):
            out[("periode", f"1 {_PERIOD_UNITS[word]}")] = f"{prev} {word}"
        elif word in _ANNUAL:
            out[("periode", "1 an")] = word
        if value is None:
            continue
        if word in _NUMBER_WORDS and prev in ("les",) and nxt in _SOURCE_NOUNS:
            continue  # "les deux contributions": a quantifier over the sources, checked apart
        if nxt in ("%", "pourcent", "pourcents") or (nxt == "pour" and i + 2 < len(words) and words[i + 2] == "cent"):
            out[("ratio", round(value / 100, 3))] = f"{words[i]} %"
            out.setdefault(("count", value), f"{words[i]} %")
            continue
        if nxt == "/" and i + 2 < len(words) and (divisor := values[i + 2]):
            out[("ratio", round(value / divisor, 3))] = f"{words[i]}/{words[i + 2]}"
            continue
        if (nxt == "sur" and i + 2 < len(words) and values[i + 2]) or (
            i + 3 < len(words) and words[i + 2] == "sur" and values[i + 3]
        ):
            denominator = values[i + 2] if nxt == "sur" else values[i + 3]
            assert denominator is not None  # "x sur sur y" is the one way to get here without one
            out[("ratio", round(value / denominator, 3))] = f"{words[i]} sur {denominator:g}"
            continue
        if prev == "sur" and (
            (i >= 2 and values[i - 2]) or (i >= 3 and values[i - 3] is not None and words[i - 2] != "sur")
        ):
            continue  # the denominator of "un sur trois"
        if prev in ("les", "tous") and nxt in _PERIOD_UNITS and i > 1 and words[i - 2] in ("tous", "toutes"):
            out[("periode", f"{value:g} {_PERIOD_UNITS[nxt]}")] = f"tous les {words[i]} {nxt}"
            continue
        out[("count", value)] = words[i] + (" €" if nxt in ("€", "euros", "euro") else "")
    return out


def _quantifiers(tokens: list[Token]) -> dict[str, str]:
    """{universal or majority quantifier: surface} of a text (frequencies "tous les ans" excluded)."""
    words = [t.folded for t in tokens]
    out: dict[str, str] = {}
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        after = words[i + 2] if i + 2 < len(words) else ""
        prev = words[i - 1] if i else ""
        if word in _MAJORITY:
            out["majorite"] = f"{prev} {word}".strip()
        elif word in _UNIVERSAL:
            if word in ("tous", "toutes", "chaque") and (
                nxt in _PERIOD_UNITS or after in _PERIOD_UNITS or _parse_number(after) or after in _NUMBER_WORDS
            ):
                continue  # a frequency, checked with the numbers
            if word == "tout" and (prev == "du" or nxt in ("a", "au", "de")):
                continue  # "pas du tout", "tout à fait", "tout au long", "tout de suite"
            if word == "ensemble" and prev not in ("l",):
                continue
            out["tous"] = word if word != "ensemble" else "l'ensemble"
        if word in out.get("tous", "").split() + out.get("majorite", "").split()[-1:] and (
            nxt in _SOURCE_NOUNS or after in _SOURCE_NOUNS
        ):
            out["sur_le_perimetre"] = word  # "tous les participants": only a count over the scope says it
    return out


def _source_count_claimed(tokens: list[Token]) -> tuple[int, str] | None:
    """How many sources the sentence claims ("deux contributions" 2, "plusieurs" / "des participants" 2)."""
    words = [t.folded for t in tokens]
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        initial = i == 0 or (i <= 2 and words[0] in ("les", "des", "ces", "selon", "pour", "chez"))
        count = _NUMBER_WORDS.get(word) or (int(word) if word.isdigit() and int(word) < 100 else None)
        if word in ("plusieurs", "nombreux", "nombreuses", "certains", "certaines"):
            count = 2
        if count and (nxt in _SOURCE_NOUNS or (initial and nxt.isalpha() and nxt not in STOP_WORDS)):
            return int(count), f"{word} {nxt}"
        if word in ("des", "les", "ces") and nxt in _SOURCE_NOUNS:
            return 2, f"{word} {nxt}"
    return None


def _entities(text: str) -> list[str]:
    """Actors, places and programmes named in ``text``: capitalised words after the first, acronyms, institutions."""
    out: list[str] = []
    for match in _CAPITALISED.finditer(text):
        name = match.group().strip(" -'’")
        first_word = fold(name.split()[0]).strip("'’")
        sentence_start = match.start() == 0 or text[: match.start()].rstrip().endswith((".", ":", "!", "?"))
        if sentence_start and not (name.isupper() and len(name) >= 2) and fold(name) not in _KNOWN_ENTITIES:
            continue
        if first_word in _ENTITY_STOP or len(fold(name)) < 2:
            continue
        out.append(name)
    folded = fold(text)
    for entity in _KNOWN_ENTITIES:
        if re.search(rf"\b{entity}\b", folded) and not any(fold(e) == entity or entity in fold(e) for e in out):
            out.append(entity)
    return list(dict.fromkeys(out))


def _name_words(entities: Sequence[str]) -> set[str]:
    return {fold(p) for e in entities for p in re.split(r"[\s'’-]+", e) if p}


def _entity_in(entity: str, analysis: _Analysis) -> bool:
    """True when ``entity`` (or a derived word: "État" → "étatique") is written in the analysed text."""
    parts = [p for p in re.split(r"[\s'’-]+", fold(entity)) if p and p not in _ENTITY_STOP]
    if not parts:
        return True
    words = {t.folded for t in analysis.tokens}
    return all(p in words or (len(p) >= 4 and any(w.startswith(p) for w in words)) for p in parts)


_WORD_VECTORS: dict[str, np.ndarray] = {}
_TEXT_VECTORS: dict[str, np.ndarray] = {}
_VECTOR_CACHE_LIMIT = 200_000


def _vectors(texts: Iterable[str], cache: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sentence-encoder vectors of ``texts``, computed once per distinct text."""
    from nlp.embeddings import embed

    texts = list(dict.fromkeys(texts))
    missing = [t for t in texts if t not in cache]
    if missing:
        if len(cache) > _VECTOR_CACHE_LIMIT:
            cache.clear()
        cache.update(zip(missing, embed(missing)))
    return {t: cache[t] for t in texts}


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


_AGENT_SUFFIXES = ("eur", "eurs", "euse", "euses", "rice", "rices")


def _same_word(w: _Word, v: _Word) -> bool:
    """Same word up to inflection or derivation ("obligatoire"/"obligation", "suppression"/"supprimer").

    An actor is not its activity: "formateur" is not "formation", "financeur" not "financement".
    """
    if w.folded.endswith(_AGENT_SUFFIXES) != v.folded.endswith(_AGENT_SUFFIXES):
        return False
    if w.stem == v.stem or w.lemma == v.lemma or _common_prefix(w.folded, v.folded) >= 7:
        return True
    for verb, other in ((w.lemma, v.folded), (v.lemma, w.folded)):  # "former" / "formation"
        if verb.endswith(("er", "ir")) and len(verb) >= 6 and other.startswith(verb[:-2]):
            return True
    return any(in_family(w.folded, side) and in_family(v.folded, side) for side in _families_of(w.folded))


@functools.lru_cache(maxsize=20_000)
def _families_of(word: str) -> tuple[tuple[str, ...], ...]:
    from nlp._polarity import _ANTONYM_FAMILIES

    return tuple(side for pair in _ANTONYM_FAMILIES for side in pair if in_family(word, side))


class SupportScorer:
    """The scope a text may cite, with each text analysed once (words, polarity, numbers, vectors).

    Parameters
    ----------
    texts : mapping of id to str
        Every text a sentence may cite.
    scope_size : int, optional
        Number of contributions the generated text speaks about, for "la majorité" / "tous".
    """

    def __init__(self, texts: Mapping[int, str], *, scope_size: int | None = None):
        self.texts = dict(texts)
        self.scope_size = scope_size
        self._analyses: dict[int, _Analysis] = {}
        self._discourse = {s for w in _DISCOURSE_WORDS for s in _ANALYZER.stems(w)}
        self.stems_ = {id_: frozenset(_ANALYZER.stems(text)) for id_, text in self.texts.items()}
        df = Counter(stem for stems in self.stems_.values() for stem in stems)
        n = max(1, len(self.stems_))
        self._idf = {stem: math.log((1 + n) / (1 + count)) + 1 for stem, count in df.items()}
        self._unknown_idf = math.log(1 + n) + 1

    def content_stems(self, sentence: str) -> set[str]:
        """The sentence's content stems (stop words and discourse words removed)."""
        return {s for s in _ANALYZER.stems(sentence) if s not in self._discourse}

    def score(self, sentence: str | set[str], ids: Iterable[int]) -> float:
        """Share (0–1) of the sentence's idf-weighted content stems found in texts ``ids``.

        A quick lexical score used to pick sentences (:mod:`nlp.synthesis`); the verdict on a
        citation is :func:`check_sentence`'s. A sentence without content stems scores 1.0.
        """
        stems = self.content_stems(sentence) if isinstance(sentence, str) else sentence
        if not stems:
            return 1.0
        found: set[str] = set()
        for id_ in ids:
            found |= self.stems_.get(id_, frozenset())
        weights = {s: self._idf.get(s, self._unknown_idf) for s in stems}
        return sum(w for s, w in weights.items() if s in found) / sum(weights.values())

    def __contains__(self, id_: int) -> bool:
        return id_ in self.texts

    def analysis(self, id_: int) -> _Analysis:
        """The analysis of text ``id_`` (computed on first use)."""
        if id_ not in self._analyses:
            analysis = _analyse(self.texts[id_])
            analysis.sentences = [s for s in split_sentences(self.texts[id_]) if len(s.split()) >= 3]
            self._analyses[id_] = analysis
        return self._analyses[id_]


@dataclass
class _Alignment:
    """Which cited text aligns which content word of the sentence."""

    by_id: dict[int, set[int]]
    aligned: set[int]
    contradictions: list[tuple[int, int, _Word]]


def _align(claim: _Analysis, sources: dict[int, _Analysis]) -> _Alignment:
    by_id: dict[int, set[int]] = {i: set() for i in sources}
    evidence: dict[int, list[tuple[int, _Word, bool, bool]]] = {}
    for n, w in enumerate(claim.words):
        opposite = antonyms(w.folded)
        for id_, source in sources.items():
            for v in source.words:
                if _same_word(w, v):
                    by_id[id_].add(n)
                    evidence.setdefault(n, []).append((id_, v, v.polarity == w.polarity, False))
                elif any(in_family(v.folded, side) for side in opposite):
                    evidence.setdefault(n, []).append((id_, v, v.polarity != w.polarity, True))
    unaligned = [n for n in range(len(claim.words)) if not any(n in s for s in by_id.values())]
    if unaligned:
        source_words = {v.folded for s in sources.values() for v in s.words}
        vectors = _vectors([claim.words[n].folded for n in unaligned] + sorted(source_words), _WORD_VECTORS)
        for id_, source in sources.items():
            if not source.words:
                continue
            matrix = np.vstack([vectors[v.folded] for v in source.words])
            agents = np.array([v.folded.endswith(_AGENT_SUFFIXES) for v in source.words])
            for n in unaligned:
                close = matrix @ vectors[claim.words[n].folded] >= WORD_SIMILARITY
                if np.any(close & (agents == claim.words[n].folded.endswith(_AGENT_SUFFIXES))):
                    by_id[id_].add(n)
    aligned = set().union(*by_id.values()) if by_id else set()
    return _Alignment(by_id, aligned, _contradictions(claim, sources, by_id, evidence))


def _contradictions(claim, sources, by_id, evidence) -> list[tuple[int, int, _Word]]:
    """(claim word index, source id, source word) for the words only found with the other polarity.

    A contradiction counts when the two clauses speak of the same thing (two aligned words, the whole
    of a one-word clause, or one word of a clause negated as a whole) and,
    for the same word, when one clause is negated and the other is not.
    """
    out = []
    for n, items in evidence.items():
        if any(agrees for _, _, agrees, _ in items):
            continue
        w = claim.words[n]
        claim_clause = {m for m, x in enumerate(claim.words) if x.clause == w.clause}
        for id_, v, _, antonym in items:
            source = sources[id_]
            source_clause = [x for x in source.words if x.clause == v.clause]
            shared = {
                m for m in claim_clause if m in by_id[id_] and any(_same_word(claim.words[m], x) for x in source_clause)
            }
            needed = 1 if v.clause in source.whole else min(2, len(source_clause))
            if len(shared | {n}) < needed:
                continue
            if (
                not antonym
                and claim.negated.get(w.clause, False) == source.negated.get(v.clause, False)
                and w.sans == v.sans
            ):
                continue
            if not antonym and w.polarity == 0 and _wished(claim, w) and _lacking(source, v):
                continue  # "veulent être consultés" restates "sans consulter": one wants what is missing
            out.append((n, id_, v))
            break
    return out


_WISH = re.compile(
    r"^(?:veu[lx]|voudr|souhait|demand|reclam|faut$|faudr|devrai|propos|attend|aimer|exig|esper|revendiqu)"
)


def _wished(analysis: _Analysis, w: _Word) -> bool:
    """True when a verb of wish or demand comes before ``w`` in its clause ("veulent être consultés")."""
    return any(_WISH.match(t.folded) for t in analysis.tokens if t.clause == w.clause and t.end <= w.start)


def _lacking(analysis: _Analysis, v: _Word) -> bool:
    """True when ``v``'s clause states a lack ("sans consulter", "n'est pas payé"), not a will
    ("refusent tout financement", "il ne faut pas")."""
    clause = [t.folded for t in analysis.tokens if t.clause == v.clause]
    return not any(_WISH.match(t) or is_negative_word(t) for t in clause)


def _quote(source: _Analysis, v: _Word, width: int = 5) -> str:
    """A few words of the source around ``v``, as written."""
    tokens = [t for t in source.tokens if t.clause == v.clause]
    at = next((k for k, t in enumerate(tokens) if t.start == v.start), 0)
    start = max(0, at - width)
    while (
        start < at
        and tokens[start].folded
        not in ("ne", "n", "pas", "sans", "jamais", "aucun", "aucune", "plutot", "peu", "moins")
        and at - start > 3
    ):
        start += 1
    piece = tokens[start : at + 1]
    return source.text[piece[0].start : piece[-1].end] if piece else v.folded


def _ids_phrase(ids: Sequence[int]) -> str:
    ids = list(ids)
    if len(ids) == 1:
        return f"la contribution n° {ids[0]}"
    return "les contributions n° " + ", ".join(str(i) for i in ids[:-1]) + f" et {ids[-1]}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("s" if n > 1 else "")


def _squeeze(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _similarity(plain: str, sources: dict[int, _Analysis]) -> dict[int, float]:
    """Best cosine between the sentence and a passage (sentence, pair of sentences, whole text) of each source."""
    quoted = _squeeze(plain)
    if len(quoted) >= 20 and all(quoted in _squeeze(source.text) for source in sources.values()):
        # Written word for word in each cited text: as close in meaning as a passage can be, no encoding.
        return dict.fromkeys([*sources, *([0] if len(sources) > 1 else [])], 1.0)
    passages: dict[int, list[str]] = {}
    for id_, source in sources.items():
        sentences = source.sentences or [source.text]
        passages[id_] = [source.text, *sentences, *(f"{a} {b}" for a, b in itertools.pairwise(sentences))]
    if len(sources) > 1:
        passages[0] = [" ".join(s.text for s in sources.values())]
    vectors = _vectors([plain, *(p for ps in passages.values() for p in ps)], _TEXT_VECTORS)
    return {id_: max(float(vectors[plain] @ vectors[p]) for p in ps) for id_, ps in passages.items()}


_CAUSE_CLAIMED = re.compile(
    r"\b(?:parce qu|a cause d|en raison d|s'explique|ce qui explique|causee?s? par"
    r"|provoquee?s? par"
    r"|est dus? a|sont dus? a|du fait d|pour cacher)"
)
_CAUSE_STATED = re.compile(
    r"\b(?:parce qu|car|a cause d|en raison d|expliqu|cause|provoqu|entrain|faute d|donc|puisqu"
    r"|du fait d|grace a|afin d|pour (?:eviter|que|cacher))"
)
# Absolute adverbs and adjectives: a claim may say "toujours" or "systématiquement" only after its source.
_ABSOLUTES = frozenset(
    fold(w)
    for w in [
        "toujours",
        "systématiquement",
        "systématique",
        "systématiques",
        "absolu",
        "absolue",
        "absolus",
        "absolues",
        "totalement",
        "entièrement",
        "complètement",
        "définitivement",
        "exclusivement",
        "uniquement",
        "intégralement",
        "radicalement",
        "constamment",
        "partout",
    ]
)
_FIRST_PERSON = frozenset({"je", "j", "mon", "ma", "mes", "moi"})


def _overreach(claim: _Analysis, sources: dict[int, _Analysis], supporting: Sequence[int]) -> list[str]:
    """Causes, absolutes and generalisations the cited texts do not state."""
    reasons = []
    cause = _CAUSE_CLAIMED.search(claim.folded)
    if cause and not any(_CAUSE_STATED.search(s.folded) for s in sources.values()):
        reasons.append(f"« {cause.group()} » : aucune contribution citée n'énonce cette cause")
    source_words = {t.folded for s in sources.values() for t in s.tokens}
    for token in claim.tokens:
        if token.folded in _ABSOLUTES and token.folded not in source_words:
            reasons.append(f"« {token.folded} » n'est dit dans aucune contribution citée")
    words = [t.folded for t in claim.tokens]
    if (
        len(words) > 2
        and words[0] in ("les", "des")
        and words[1] not in _SOURCE_NOUNS
        and words[1] not in _NUMBER_WORDS
        and words[1].endswith(("s", "x"))
        and len(supporting) == 1
        and _FIRST_PERSON & {t.folded for t in sources[supporting[0]].tokens}
    ):
        reasons.append(f"« {words[0]} {words[1]} » : une seule personne en témoigne ({_ids_phrase(supporting)})")
    return reasons


def _swapped_roles(claim: _Analysis, sources: dict[int, _Analysis]) -> list[str]:
    """Who-does-what exchanged: two words whose complements are each other's in the source.

    "habite en Occitanie et travaille en Nouvelle-Aquitaine" against "travaille en Occitanie et
    habite en Nouvelle-Aquitaine".
    """
    pairs = [(w, c) for n, w in enumerate(claim.words) if (c := _complement(claim, n)) is not None]
    for id_, source in sources.items():
        source_pairs = [(v, c) for m, v in enumerate(source.words) if (c := _complement(source, m)) is not None]

        def complement_in_source(word, source_pairs=source_pairs):
            return [c for v, c in source_pairs if v.stem == word.stem]

        for i, (w1, c1) in enumerate(pairs):
            for w2, c2 in pairs[i + 1 :]:
                if _same_word(w1, w2) or _same_word(c1, c2):
                    continue
                first, second = complement_in_source(w1), complement_in_source(w2)
                if (
                    any(_same_word(c, c2) for c in first)
                    and any(_same_word(c, c1) for c in second)
                    and not any(_same_word(c, c1) for c in first)
                ):
                    return [
                        f"{_ids_phrase([id_])} dit « {w1.folded} … {c2.folded} » et "
                        f"« {w2.folded} … {c1.folded} », pas l'inverse"
                    ]
    return []


def _actors(analysis: _Analysis, names: set[str]) -> list[_Word]:
    """The actor words of a text named once (a word written twice could be either side)."""
    found = [
        w for w in analysis.words if w.folded in _ACTOR_NOUNS or w.folded in names or w.folded.endswith(_AGENT_SUFFIXES)
    ]
    return [w for w in found if sum(_same_word(w, x) for x in found) == 1]


def _misattributed(claim: _Analysis, sources: dict[int, _Analysis], names: set[str], aligned: set[int]) -> list[str]:
    """The subject of a clause found in the cited texts only in clauses that say nothing else of it:
    "la Région refuse de prendre en charge les frais" against "la Région finance …, mais les OPCO
    refusent de prendre en charge les frais"."""
    reasons = []
    actors = _actors(claim, names)
    for a in actors:
        others = [w for n, w in enumerate(claim.words) if w.clause == a.clause and n in aligned and w not in actors]
        found = [(id_, v) for id_, s in sources.items() for v in s.words if _same_word(a, v)]
        if len(others) < 2 or not found or any(w.start < a.start for w in others):
            continue  # only the subject, named before what it does
        near = [x for i, v in found for x in sources[i].words if x.clause == v.clause]
        if not any(_same_word(w, x) for x in near for w in others):
            ids = list(dict.fromkeys(id_ for id_, _ in found))
            reasons.append(f"{_ids_phrase(ids)} ne le dit pas de « {claim.text[a.start : a.end]} »")
    return reasons


def _swapped_actors(claim: _Analysis, sources: dict[int, _Analysis], names: set[str]) -> list[str]:
    """Who-does-what exchanged around the same words: "les organismes conçoivent … sans consulter les
    OPCO" against "les OPCO conçoivent … sans consulter les organismes" (no passive "par" on either side)."""

    def actors(analysis: _Analysis) -> list[_Word]:
        return _actors(analysis, names)

    def passive(analysis: _Analysis, w: _Word) -> bool:  # "… conçues par les OPCO et l'État"
        before = [t.folded for t in analysis.tokens if t.clause == w.clause and t.end <= w.start][-6:]
        return "par" in before

    claim_actors = actors(claim)
    for id_, source in sources.items():
        source_actors = actors(source)
        for a, b in itertools.combinations(claim_actors, 2):
            if _same_word(a, b) or passive(claim, a) or passive(claim, b):
                continue
            middle = [w for w in claim.words if a.end <= w.start and w.end <= b.start and w not in claim_actors]
            for b2, a2 in itertools.combinations(source_actors, 2):  # b2 before a2 in the source
                if not (_same_word(a, a2) and _same_word(b, b2)) or passive(source, a2) or passive(source, b2):
                    continue
                if any(s.start <= b2.start < a2.start < s.stop for s in _sentence_spans(source)) and any(
                    _same_word(w, v) for w in middle for v in source.words if b2.end <= v.start and v.end <= a2.start
                ):
                    return [f"{_ids_phrase([id_])} dit l'inverse : « {_quote_span(source, b2, a2)} »"]
    return []


def _sentence_spans(analysis: _Analysis) -> list[range]:
    ends = [m.end() for m in re.finditer(r"[.!?…]+", analysis.folded)] + [len(analysis.folded)]
    return [range(start, end) for start, end in zip([0, *ends], ends)]


def _quote_span(analysis: _Analysis, first: _Word, last: _Word, limit: int = 12) -> str:
    words = analysis.text[first.start : last.end].split()
    return " ".join(words) if len(words) <= limit else " ".join([*words[: limit // 2], "…", *words[-limit // 2 :]])


def _complement(analysis: _Analysis, n: int) -> _Word | None:
    """The next content word of the same clause, when no coordination ("et", "ou", ",") comes between."""
    if n + 1 >= len(analysis.words):
        return None
    w, nxt = analysis.words[n], analysis.words[n + 1]
    between = analysis.folded[w.end : nxt.start]
    if (
        nxt.clause != w.clause
        or re.search(r"[,;:()]|\b(?:et|ou|mais|qui|que|dont)\b", between)
        or len(between.split()) > 3
    ):
        return None
    return nxt


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
        Minimum share of the sentence's content words aligned with the cited texts.
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
    >>> [s.status for s in check_text("Baisser la TVA. [#1] Supprimer l'école. [#1] Bonjour [#9].",
    ...                                {1: "Il faut baisser la TVA sur l'alimentation."})]
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
        return CheckedSentence(plain, ids, "lien", reason="rien à vérifier : un simple renvoi n'est pas une citation")
    sources = {i: scorer.analysis(i) for i in ids}
    alignment = _align(claim, sources)
    n_words = len(claim.words)
    score = len(alignment.aligned) / n_words if n_words else 1.0
    share = {i: (len(alignment.by_id[i]) / n_words if n_words else 1.0) for i in ids}
    similarity = _similarity(plain, sources)
    supporting = tuple(i for i in ids if share[i] >= min_each or similarity[i] >= SOURCE_SIMILARITY)
    reasons: list[str] = []
    bad: list[int] = []

    for _, id_, v in alignment.contradictions:
        reasons.append(f"{_ids_phrase([id_])} dit le contraire : « {_quote(sources[id_], v)} »")
        bad.append(id_)
    claimed = _source_count_claimed(claim.tokens)
    if (
        claimed
        and claimed[1].split()[-1] not in _SOURCE_NOUNS
        and any(re.search(rf"\b{re.escape(claimed[1])}\b", s.folded) for s in sources.values())
    ):
        claimed = None  # "Deux agriculteurs …" copied from the source is its number, checked as one
    if claimed:  # "Deux contributions …" counts sources, not something the sources say
        claim.numbers.pop(("count", float(claimed[0])), None)
    for key, surface in claim.numbers.items():
        if not any(key in s.numbers for s in sources.values()):
            reasons.append(f"{surface} n'apparaît pas dans {_ids_phrase(ids)}")
    reasons.extend(_overreach(claim, sources, supporting))
    single_names = {fold(e) for e in entities if " " not in e.strip()}  # "OPCO", "État"; not "Centre … Handicap"
    reasons.extend(_swapped_roles(claim, sources) or _swapped_actors(claim, sources, single_names))
    reasons.extend(_misattributed(claim, sources, single_names, alignment.aligned))
    for entity in entities:
        if not any(_entity_in(entity, s) for s in sources.values()):
            reasons.append(f"« {entity} » n'apparaît pas dans {_ids_phrase(ids)}")
    if claimed:  # "Les deux participants jugent que …": each counted source says it, not just part of it
        named = _name_words(entities)
        saying = [
            i
            for i in supporting
            if share[i] >= COUNTED_SOURCE_SHARE
            or similarity[i] >= PARAPHRASE_SIMILARITY
            or (len(alignment.by_id[i]) >= 2 and any(claim.words[n].folded not in named for n in alignment.by_id[i]))
        ]
        if len(saying) < claimed[0]:
            reasons.append(
                f"« {claimed[1]} » : {_plural(len(saying), 'contribution')} citée"
                f"{'s' if len(saying) > 1 else ''} le dit"
            )
    over_scope = claim.quantifiers.pop("sur_le_perimetre", None) is not None
    for kind, surface in claim.quantifiers.items():
        if not over_scope and any(kind in s.quantifiers for s in sources.values()):
            continue
        size = scorer.scope_size
        enough = size and (len(supporting) > size / 2 if kind == "majorite" else len(supporting) >= size)
        if not enough:
            counted = f"sur {size}" if size else "sans décompte de l'ensemble des contributions"
            reasons.append(
                f"« {surface} » : {_plural(len(supporting), 'contribution')} citée"
                f"{'s' if len(supporting) > 1 else ''} {counted}"
            )
    for id_ in ids:
        if id_ not in supporting and id_ not in bad:
            reasons.append(f"{_ids_phrase([id_])} ne soutient aucune partie de la phrase")
            bad.append(id_)
    missing = [w.folded for n, w in enumerate(claim.words) if n not in alignment.aligned]
    units: dict[int, list[int]] = {}
    for n, w in enumerate(claim.words):
        units.setdefault(w.unit, []).append(n)
    weak_unit = any(
        len(ns) >= 2 and sum(n in alignment.aligned for n in ns) / len(ns) < CLAUSE_COVERAGE for ns in units.values()
    )
    stance_missing = [
        w.folded for n, w in enumerate(claim.words) if n not in alignment.aligned and is_action_word(w.folded)
    ]
    actors_missing = [
        w.folded for n, w in enumerate(claim.words) if n not in alignment.aligned and w.folded.endswith(_AGENT_SUFFIXES)
    ]
    if actors_missing:  # "formateurs" where the source says "conseillers": an actor is checked like a name
        reasons.append(f"« {actors_missing[0]} » n'apparaît pas dans {_ids_phrase(ids)}")
    if stance_missing:  # "supprimer", "généraliser", "obligatoire": the claim's stance must be the source's
        reasons.append(f"« {stance_missing[0]} » n'est dit dans aucune des contributions citées")
    best = max(similarity.values())
    # A synthesis over several supporting texts rewords more than a paraphrase of one.
    synthesis = len(supporting) >= 2 and score >= PARAPHRASE_COVERAGE and best >= SYNTHESIS_SIMILARITY
    covered = (
        (score >= threshold and best >= SENTENCE_SIMILARITY)
        or (score >= PARAPHRASE_COVERAGE and best >= PARAPHRASE_SIMILARITY)
        or synthesis
    )
    if not covered or weak_unit:
        shown = ", ".join(f"« {w} »" for w in dict.fromkeys(missing[:4]))
        if missing:
            reasons.append(f"{shown} : absent{'s' if len(missing) > 1 else ''} de {_ids_phrase(ids)}")
        else:
            reasons.append(f"le sens de la phrase est éloigné de {_ids_phrase(ids)} (similarité {best:.2f})")
    status = "non_soutenue" if reasons else "verifiee"
    return CheckedSentence(
        plain,
        ids,
        status,
        round(score, 3),
        bad_ids=tuple(dict.fromkeys(bad)) or (ids if reasons and not bad else ()),
        reason="; ".join(dict.fromkeys(reasons)),
        supporting_ids=supporting,
    )


def verified_share(sentences: Sequence[CheckedSentence]) -> float:
    """Share of the sentences carrying a citation that are verified (1.0 when none cites)."""
    cited = [s for s in sentences if s.citations]
    return sum(s.is_verified for s in cited) / len(cited) if cited else 1.0

"""The verdict on each sentence of a generated text: :func:`check_text` and :func:`check_sentence`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp._polarity import is_action_word
from nlp.citations.alignment import _align, _Similarity
from nlp.citations.analysis import SupportScorer, _analyse, _Analysis, _is_agent
from nlp.citations.calibration import load_calibration, sentence_features
from nlp.citations.lexicons import _SOURCE_NOUNS
from nlp.citations.rules.entities import (
    _entities,
    _entity_in,
    _misattributed,
    _name_words,
    _swapped_actors,
    _swapped_roles,
)
from nlp.citations.rules.overreach import _overreach
from nlp.citations.rules.placement import _misplaced
from nlp.citations.rules.quantifiers import _source_count_claimed
from nlp.citations.sentences import parse_citations, split_sentences
from nlp.citations.thresholds import (
    CLAUSE_COVERAGE,
    COUNTED_SOURCE_SHARE,
    DEFAULT_MIN_EACH,
    DEFAULT_THRESHOLD,
    PARAPHRASE_COVERAGE,
    PARAPHRASE_SIMILARITY,
    REWORDING_COVERAGE,
    REWORDING_SIMILARITY,
    SENTENCE_SIMILARITY,
    SOURCE_SIMILARITY,
    SYNTHESIS_SIMILARITY,
)
from nlp.citations.wording import _ids_phrase, _of_ids, _plural, _quote
from nlp.text import fold

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
        return CheckedSentence(plain, ids, "lien", reason="rien à vérifier : un simple renvoi n'est pas une citation")
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
            doubts = [f"{CALIBRATION_REFUSAL} {_ids_phrase(ids)} (confiance : {round(probability * 100)}\u00a0%)"]
    reasons = refusals + doubts
    return CheckedSentence(
        plain,
        ids,
        "non_soutenue",
        round(exam.score, 3),
        bad_ids=tuple(dict.fromkeys(exam.bad)) or ids,
        reason="; ".join(dict.fromkeys(reasons)),
        supporting_ids=exam.supporting,
        probability=probability,
    )


@dataclass
class _Examination:
    """What the checks found on one sentence: each refusal with its kind (:data:`RULE_KINDS`), the
    sources that support part of it, and what the calibration reads (:meth:`features`, computed on demand:
    it may encode the cited passages)."""

    refusals: list[tuple[str, str]]
    bad: list[int]
    supporting: tuple[int, ...]
    score: float
    rules_accept: bool
    _inputs: dict

    def features(self) -> dict[str, float]:
        return sentence_features(**self._inputs, kinds={k for k, _ in self.refusals}, rules_accept=self.rules_accept)


_PLACES = frozenset(
    fold(w)
    for stem in (
        *("lycée", "collège", "faculté", "crèche", "hôpital", "clinique", "mairie", "gare", "préfecture"),
        *("bibliothèque", "médiathèque", "musée", "usine", "caserne", "tribunal"),
    )
    for w in (stem, stem + "s", "hôpitaux" if stem == "hôpital" else stem)
)
"""Establishments: a claim that places something "au lycée" needs a cited text naming a lycée (not a
"centre de formation" nor a "collège"), as for names; matched as such, never through a near vector. Not the
words that also name an institution in the abstract ("l'école doit …", "la prison ne réinsère pas",
"l'université"): those are said in other words ("scolaire", "détenus") by faithful claims."""

_QUALIFIED = _PLACES | frozenset(
    fold(w) for w in ("bac", "baccalauréat", "diplôme", "diplômes", "filière", "filières", "licence", "master")
)
"""Places and diplomas whose qualifier names a kind ("lycée technologique", "bac professionnel"): a claim
that changes the qualifier names another place or diploma."""

_AGAINST = re.compile(
    r"\b(?:non[- ]?sens|dangereu(?:x|se|ses)|absurde|aberrant|aberrante|ridicule|mauvaise idee|inacceptable"
    r"|contre-productif|contre-productive|je suis contre|je vote contre|ne sert (?:a rien|qu)|inutile)\b"
)
"""A verdict against what a text speaks of ("cette proposition est un non-sens", "c'est inutile", "ne sert
qu'aux spécialistes"): a source holding one is not counted among those that defend it."""

_FOR = re.compile(
    r"\b(?:defend|soutien|demand|propos|veul|souhait|reclam|plaid|approuv|pron|encourag|preconis|revendiqu"
    r"|favorables?\b|plebiscit)"
)
"""Verbs by which a claim reports a position for something ("défendent", "soutiennent", "demandent", "veulent",
"proposent"); a claim that only notes, judges or doubts ("notent", "jugent vain", "doutent") is not checked
against the sources' verdicts."""


def _requalified(claim: _Analysis, sources: dict[int, _Analysis]) -> str:
    """The claim's "place qualifier" (e.g. "lycée professionnel") when a cited text names the same place with
    another qualifier ("lycée technologique") and no cited text writes the claim's; "" otherwise."""
    for here, after in zip(claim.words, claim.words[1:]):
        if here.folded not in _QUALIFIED or claim.folded[here.end : after.start].strip():
            continue
        if any(after.folded in {w.folded for w in s.words} for s in sources.values()):
            continue
        others = {
            b.folded
            for s in sources.values()
            for a, b in zip(s.words, s.words[1:])
            if a.stem == here.stem and not s.folded[a.end : b.start].strip()
        }
        if others - {after.folded}:
            return claim.text[here.start : after.end]
    return ""


_AGES = (
    frozenset(fold(w) for w in ("jeune", "jeunes", "enfant", "enfants", "adolescent", "adolescents", "ado", "ados")),
    frozenset(fold(w) for w in ("senior", "seniors", "âgée", "âgées", "aîné", "aînés", "vieux", "vieille", "vieilles")),
)
"""Two ages of life: a claim naming one ("au nom des jeunes") where no cited text does, while a cited text names
the other ("nous, seniors"), speaks for someone else, as a changed name does. Matched as written, never through a
near vector (young and old are close in the encoder's space); not "âgé" / "âgés", folded like "âge" / "âges"."""


def _other_age(claim: _Analysis, sources: dict[int, _Analysis]) -> tuple[str, int, str] | None:
    """(the claim's age word, a cited text and its word of the other age) when the claim names an age no cited
    text names and a cited text names the other one; None otherwise."""
    written = {w.folded for s in sources.values() for w in s.words}
    for w in claim.words:
        for age, other in (_AGES, _AGES[::-1]):
            if w.folded in age and not written & age:
                for id_, source in sources.items():
                    found = sorted({v.folded for v in source.words} & other)
                    if found:
                        return w.folded, id_, found[0]
    return None


_DETERMINERS = frozenset(
    [
        *("le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "ce", "cet", "cette", "ces"),
        *("mon", "ma", "mes", "ton", "ta", "tes", "son", "sa", "ses", "notre", "nos", "votre", "vos", "leur"),
        *("leurs", "chaque", "quelques", "plusieurs", "certains", "certaines", "aucun", "aucune"),
        *("deux", "trois", "quatre", "cinq", "dix", "cent", "mille"),
    ]
)


def _named_as_agent(claim: _Analysis, w) -> bool:
    """False for a word in -euse written right after a word that is no determiner: an adjective or a verb
    ("des allocations coûteuses", "une ergonomie jugée désastreuse", "ce dispositif creuse la fracture"), not
    someone ("une travailleuse indépendante", "les vendeuses")."""
    if not w.folded.endswith(("euse", "euses")):
        return True
    before = [t.folded for t in claim.tokens if t.end <= w.start]
    return not before or before[-1] in _DETERMINERS


def _same_percent(key: tuple[str, object], sources: dict[int, _Analysis]) -> bool:
    """True when a claimed ratio is a source's ratio to the whole percent: "un tiers" = "33 %" = "un sur trois",
    "deux tiers" = "67 %" (not "66 %", nor "30 %")."""
    if key[0] != "ratio" or not isinstance(key[1], float):
        return False
    percent = round(key[1] * 100)
    return any(
        k[0] == "ratio" and isinstance(k[1], float) and round(k[1] * 100) == percent
        for s in sources.values()
        for k in s.numbers
    )


def _examine(
    sentence: str,
    plain: str,
    ids: tuple[int, ...],
    claim,
    entities: list[str],
    scorer: SupportScorer,
    *,
    threshold: float,
    min_each: float,
) -> _Examination:
    """Run every rule on a sentence whose ids are all in scope; nothing is decided here."""
    sources = {i: scorer.analysis(i) for i in ids}
    alignment = _align(claim, sources)
    n_words = len(claim.words)
    score = len(alignment.aligned) / n_words if n_words else 1.0
    share = {i: (len(alignment.by_id[i]) / n_words if n_words else 1.0) for i in ids}
    similarity = _Similarity(plain, sources)
    supporting = tuple(i for i in ids if share[i] >= min_each or similarity[i] >= SOURCE_SIMILARITY)
    refusals: list[tuple[str, str]] = []
    bad: list[int] = []

    for _, id_, v in alignment.contradictions:
        refusals.append(("negation", f"{_ids_phrase([id_])} dit le contraire : « {_quote(sources[id_], v)} »"))
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
        if key[0] == "part":
            continue
        found = [key] + ([("part", key[1])] if key[0] == "count" else [])
        if key[0] == "count" and surface.endswith("%"):
            found.append(("ratio", round(key[1] / 100, 3)))  # "33 %" is the ratio, checked as one
        if not any(k in s.numbers for s in sources.values() for k in found) and not any(
            _same_percent(k, sources) for k in found
        ):
            refusals.append(("number", f"{surface} n'apparaît pas dans {_ids_phrase(ids)}"))
    refusals.extend(("overreach", r) for r in _overreach(claim, sources, supporting))
    single_names = {fold(e) for e in entities if " " not in e.strip()}  # "OPCO", "État"; not "Centre … Handicap"
    swapped = _swapped_roles(claim, sources) or _swapped_actors(claim, sources, single_names)
    refusals.extend(("actor", r) for r in swapped)
    refusals.extend(("actor", r) for r in _misattributed(claim, sources, single_names, alignment.aligned))
    refusals.extend(("placement", r) for r in _misplaced(sentence, sources))
    for entity in entities:
        if not any(_entity_in(entity, s) for s in sources.values()):
            refusals.append(("entity", f"« {entity} » n'apparaît pas dans {_ids_phrase(ids)}"))
    if claimed and _FOR.search(claim.folded) and not _AGAINST.search(claim.folded):
        # "Deux contributions défendent X" citing one that calls X "un non-sens": a counted source is for, not against
        for id_ in ids:
            verdict = _AGAINST.search(sources[id_].folded)
            if verdict and id_ not in bad:
                refusals.append(("negation", f"{_ids_phrase([id_])} s'y oppose : « {verdict.group(0)} »"))
                bad.append(id_)
    if claimed:  # "Les deux participants jugent que …": each counted source says it, not just part of it
        named = _name_words(entities)
        saying = [
            i
            for i in supporting
            if share[i] >= COUNTED_SOURCE_SHARE
            or similarity[i] >= PARAPHRASE_SIMILARITY
            or (
                len(alignment.by_form[i]) >= 2 and any(claim.words[n].folded not in named for n in alignment.by_form[i])
            )
        ]
        if len(saying) < claimed[0]:
            refusals.append(
                (
                    "count",
                    f"« {claimed[1]} » : {_plural(len(saying), 'contribution')} citée"
                    f"{'s' if len(saying) > 1 else ''} le dit",
                )
            )
    over_scope = claim.quantifiers.pop("sur_le_perimetre", None) is not None
    for kind, surface in claim.quantifiers.items():
        if not over_scope and any(kind in s.quantifiers for s in sources.values()):
            continue
        size = scorer.scope_size
        enough = size and (len(supporting) > size / 2 if kind == "majorite" else len(supporting) >= size)
        if not enough:
            counted = f"sur {size}" if size else "sans décompte de l'ensemble des contributions"
            refusals.append(
                (
                    "quantifier",
                    f"« {surface} » : {_plural(len(supporting), 'contribution')} citée"
                    f"{'s' if len(supporting) > 1 else ''} {counted}",
                )
            )
    for id_ in ids:
        if id_ not in supporting and id_ not in bad:
            refusals.append(("passenger", f"{_ids_phrase([id_])} ne soutient aucune partie de la phrase"))
            bad.append(id_)
    missing = [w.folded for n, w in enumerate(claim.words) if n not in alignment.aligned]
    units: dict[int, list[int]] = {}
    for n, w in enumerate(claim.words):
        units.setdefault(w.unit, []).append(n)
    # Every coordinated part must be supported: "… et que celles-ci soient gratuites" adds a claim of its own.
    weak_unit = any(
        sum(n in alignment.aligned for n in ns) / len(ns) < CLAUSE_COVERAGE
        for unit, ns in units.items()
        if len(ns) >= 2 or (unit and _coordinated(claim, claim.words[ns[0]]))
    )
    stance_missing = [
        w.folded for n, w in enumerate(claim.words) if n not in alignment.aligned and is_action_word(w.folded)
    ]
    actors_missing = [
        w.folded
        for n, w in enumerate(claim.words)
        if n not in alignment.aligned and _is_agent(w.folded) and _named_as_agent(claim, w)
    ]
    said_as_such = set().union(*alignment.by_form.values()) if alignment.by_form else set()
    places_missing = [w.folded for n, w in enumerate(claim.words) if w.folded in _PLACES and n not in said_as_such]
    if places_missing:  # "au lycée" where the source says "au centre de formation": a place is checked like a name
        refusals.append(("entity", f"« {places_missing[0]} » n'apparaît pas dans {_ids_phrase(ids)}"))
    else:
        requalified = _requalified(claim, sources)
        if requalified:  # "lycée professionnel" where the source says "lycée technologique"
            refusals.append(("entity", f"« {requalified} » n'apparaît pas dans {_ids_phrase(ids)}"))
    other_age = _other_age(claim, sources)
    if other_age:  # "au nom des jeunes" where the source says "nous, seniors"
        word, id_, other = other_age
        refusals.append(("entity", f"« {word} » : {_ids_phrase([id_])} parle de « {other} »"))
        bad.append(id_)
    if actors_missing:  # "formateurs" where the source says "conseillers": an actor is checked like a name
        refusals.append(("actor", f"« {actors_missing[0]} » n'apparaît pas dans {_ids_phrase(ids)}"))
    if stance_missing:  # "supprimer", "généraliser", "obligatoire": the claim's stance must be the source's
        refusals.append(("stance", f"« {stance_missing[0]} » n'est dit dans aucune des contributions citées"))
    # A synthesis over several supporting texts rewords more than a paraphrase of one.
    synthesis = len(supporting) >= 2 and score >= PARAPHRASE_COVERAGE and similarity.reaches(SYNTHESIS_SIMILARITY)
    covered = (
        (score >= threshold and similarity.reaches(SENTENCE_SIMILARITY))
        or (score >= PARAPHRASE_COVERAGE and similarity.reaches(PARAPHRASE_SIMILARITY))
        or synthesis
    )
    # A strong rewording: few shared words, but as close in meaning to each cited text as a copy in other
    # words. Only when no rule above refused it (the encoder does not see negation, numbers or names);
    # computed last, as it may encode the cited passages.
    reworded = (
        (not covered or weak_unit)
        and not refusals
        and score >= REWORDING_COVERAGE
        and all(similarity[i] >= REWORDING_SIMILARITY for i in ids)
    )
    if (not covered or weak_unit) and not reworded:
        shown = ", ".join(f"« {w} »" for w in dict.fromkeys(missing[:4]))
        if missing:
            refusals.append(("coverage", f"{shown} : absent{'s' if len(missing) > 1 else ''} {_of_ids(ids)}"))
        else:
            distance = f"(similarité {similarity.best():.2f})"
            refusals.append(("coverage", f"le sens de la phrase est éloigné {_of_ids(ids)} {distance}"))
    inputs = {
        "claim": claim,
        "sources": sources,
        "ids": ids,
        "alignment": alignment,
        "share": share,
        "similarity": similarity,
        "supporting": supporting,
    }
    return _Examination(refusals, bad, supporting, score, not refusals, inputs)


def _coordinated(claim, w) -> bool:
    """True when the unit of ``w`` opens on "et" / "ou" / "mais" (not on a comma: an apposition)."""
    before = re.findall(r"[,;:()]|\b(?:et|ou|mais)\b", claim.folded[: w.start])
    return bool(before) and before[-1] in ("et", "ou", "mais")


def verified_share(sentences: Sequence[CheckedSentence]) -> float:
    """Share of the sentences carrying a citation that are verified (1.0 when none cites)."""
    cited = [s for s in sentences if s.citations]
    return sum(s.is_verified for s in cited) / len(cited) if cited else 1.0

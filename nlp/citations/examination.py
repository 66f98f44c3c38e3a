"""Every rule run on one cited sentence (:func:`_examine`): the refusals found and what the calibration reads.

Nothing is decided here: :func:`nlp.citations.check.check_sentence` weighs the refusals (hard rules) and the
calibrated probability into the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp._polarity import is_action_word
from nlp.citations.alignment import _align, _Similarity
from nlp.citations.analysis import SupportScorer, _Analysis, _is_agent
from nlp.citations.calibration import sentence_features
from nlp.citations.lexicons import _SOURCE_NOUNS
from nlp.citations.rules.ages import _other_age
from nlp.citations.rules.entities import (
    _entity_in,
    _misattributed,
    _name_words,
    _named_as_agent,
    _swapped_actors,
    _swapped_roles,
)
from nlp.citations.rules.number_check import _unfound_numbers
from nlp.citations.rules.overreach import _overreach
from nlp.citations.rules.placement import _misplaced
from nlp.citations.rules.places import _PLACES, _requalified
from nlp.citations.rules.quantifiers import _source_count_claimed
from nlp.citations.thresholds import (
    CLAUSE_COVERAGE,
    COUNTED_SOURCE_SHARE,
    PARAPHRASE_COVERAGE,
    PARAPHRASE_SIMILARITY,
    REWORDING_COVERAGE,
    REWORDING_SIMILARITY,
    SENTENCE_SIMILARITY,
    SOURCE_SIMILARITY,
    SYNTHESIS_SIMILARITY,
)
from nlp.citations.wording import _absent, _ids_phrase, _n_cited, _of_ids, _quote, _says, french_spacing
from nlp.text import fold


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


def _examine(
    sentence: str,
    plain: str,
    ids: tuple[int, ...],
    claim: _Analysis,
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
    refusals.extend(
        ("number", f"{surface} n'apparaît pas dans {_ids_phrase(ids)}") for surface in _unfound_numbers(claim, sources)
    )
    refusals.extend(("overreach", r) for r in _overreach(claim, sources, supporting))
    single_names = {fold(e) for e in entities if " " not in e.strip()}  # "OPCO", "État"; not "Centre … Handicap"
    swapped = _swapped_roles(claim, sources) or _swapped_actors(claim, sources, single_names)
    refusals.extend(("actor", r) for r in swapped)
    refusals.extend(("actor", r) for r in _misattributed(claim, sources, single_names, alignment.aligned))
    refusals.extend(("placement", r) for r in _misplaced(sentence, sources))
    for entity in entities:
        if not any(_entity_in(entity, s) for s in sources.values()):
            refusals.append(("entity", _absent(entity, ids)))
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
            refusals.append(("count", f"« {claimed[1]} » : {_n_cited(len(saying))} {_says(len(saying))}"))
    over_scope = claim.quantifiers.pop("sur_le_perimetre", None) is not None
    for kind, surface in claim.quantifiers.items():
        if not over_scope and any(kind in s.quantifiers for s in sources.values()):
            continue
        size = scorer.scope_size
        enough = size and (len(supporting) > size / 2 if kind == "majorite" else len(supporting) >= size)
        if not enough:
            counted = f"sur {size}" if size else "sans décompte de l'ensemble des contributions"
            refusals.append(("quantifier", f"« {surface} » : {_n_cited(len(supporting))} {counted}"))
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
        refusals.append(("entity", _absent(places_missing[0], ids)))
    else:
        requalified = _requalified(claim, sources)
        if requalified:  # "lycée professionnel" where the source says "lycée technologique"
            refusals.append(("entity", _absent(requalified, ids)))
    other_age = _other_age(claim, sources)
    if other_age:  # "au nom des jeunes" where the source says "nous, seniors"
        word, id_, other = other_age
        refusals.append(("entity", f"« {word} » : {_ids_phrase([id_])} parle de « {other} »"))
        bad.append(id_)
    if actors_missing:  # "formateurs" where the source says "conseillers": an actor is checked like a name
        refusals.append(("actor", _absent(actors_missing[0], ids)))
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
    refusals = [(kind, french_spacing(reason)) for kind, reason in refusals]  # « … » : with no-break spaces
    return _Examination(refusals, bad, supporting, score, not refusals, inputs)


def _coordinated(claim, w) -> bool:
    """True when the unit of ``w`` opens on "et" / "ou" / "mais" (not on a comma: an apposition)."""
    before = re.findall(r"[,;:()]|\b(?:et|ou|mais)\b", claim.folded[: w.start])
    return bool(before) and before[-1] in ("et", "ou", "mais")

"""Polarity rule: a word found in the cited texts only with the other polarity, or as its antonym."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp._polarity import BARE_NEGATORS, NE_PARTICLES, is_negative_word
from nlp.citations.analysis import _Analysis, _same_word, _Word
from nlp.stopwords import STOP_WORDS


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
        claim_clause = {m for m, x in enumerate(claim.words) if x.clause in _with_compared(claim, w.clause)}
        for id_, v, _, antonym in items:
            source = sources[id_]
            source_clause = [x for x in source.words if x.clause in _with_compared(source, v.clause)]
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
            if not antonym and w.sans == v.sans and _same_negators(claim, w, source, v):
                continue  # the same negation, read with another scope ("Inutile de …, le droit … étant là")
            if not antonym and _sans_scope(claim, w, source, v):
                continue  # "sans oublier les zones rurales" says "ne pas oublier les zones rurales"
            if not antonym and _negation_as_action(claim, w, source, v):
                continue  # "abandonner le système des tranches" says "Supprimer les tranches"
            if not antonym and _coordinated_past_negation(claim, w, source, v):
                continue  # "qui ne dégagent aucun CO2 et rouvrir des centrales": "rouvrir" is not denied
            if not antonym and _status_quo_set_aside(claim, w, source, v):
                continue  # "veulent être consultés au lieu de subir des règles conçues sans eux"
            if not antonym and _little_as_only(claim, w, source, v):
                continue  # "la France pèse peu dans la pollution" says "ne représente qu'un pourcent de la pollution"
            out.append((n, id_, v))
            break
    return out


def _sans_scope(claim: _Analysis, w: _Word, source: _Analysis, v: _Word) -> bool:
    """True when one side denies a word with "sans" and the other denies the same word with a negation of its
    clause ("sans oublier les zones rurales" / "ne pas oublier les zones rurales"; "sans filtrage des services" /
    "qu'il n'y ait pas de filtrage des services"): the clause's negation spans the rest of its clause ("les
    zones"), "sans" its complement only — the same denial read with two scopes, not a contradiction on "zones".
    Either side may hold the "sans" (v12: the claim's "pas de X" for the source's "sans X" too)."""
    return _sans_for_negation(claim, w, source, v) or _sans_for_negation(source, v, claim, w)


def _sans_for_negation(denier: _Analysis, x: _Word, negator: _Analysis, y: _Word) -> bool:
    """True when ``denier`` denies with "sans", in ``x``'s clause, a word that ``negator``'s clause of ``y``
    negates as a whole (the word itself agrees: negated on both sides; ``x`` and ``y`` are the words around it)."""
    if x.sans or y.sans or denier.negated.get(x.clause, False) or not negator.negated.get(y.clause, False):
        return False
    denied = [s for s in denier.words if s.clause == x.clause and s.sans]
    return any(
        _same_word(s, u) and u.polarity == 1 and not u.sans
        for s in denied
        for u in negator.words
        if u.clause == y.clause
    )


_ENDING = re.compile(r"^(?:abandon|arret|cess|renonc)\w*$")
"""Verbs of ending, negative words of :mod:`nlp._polarity` ("abandonner les tranches" negates "tranches")."""

_REMOVAL = re.compile(r"^(?:supprim|suppression|aboli|abandon|arret|cess|renonc)\w*$")
"""Verbs and nouns that remove what they govern, affirmatively ("supprimer les tranches", "l'abolition des
tranches"); "se dégager de" is one too (:func:`_acts`)."""

_LESS = re.compile(r"^moins$")
""""moins de X", a negation of degree in :mod:`nlp._polarity`."""

_DECREASE = re.compile(r"^(?:diminu|redui|reduc|baiss|abaiss|recul|alleg)\w*$")
"""Verbs and nouns of decrease ("diminuer la place de la voiture", "faire reculer l'abstention")."""

_FAMILIES = ((_ENDING, _REMOVAL), (_LESS, _DECREASE))
"""(negating words, the affirmative verbs that say the same of their complement): "abandonner X" / "supprimer X",
"moins de X" / "diminuer X"."""


def _acts(analysis: _Analysis, clauses: tuple[int, ...], family: re.Pattern[str]) -> bool:
    """True when ``clauses`` hold a word of ``family`` ("supprimer", "abolir"; "se dégager de" for removal)."""
    tokens = [t.folded for t in analysis.tokens if t.clause in clauses]
    return any(
        family.match(t) or (family is _REMOVAL and t.startswith("degag") and k and tokens[k - 1] in ("se", "s"))
        for k, t in enumerate(tokens)
    )


def _negation_as_action(claim: _Analysis, w: _Word, source: _Analysis, v: _Word) -> bool:
    """True when one side negates ``w`` only with a word of one family and the other, not negated, says the same
    with an affirmative verb of that family (:data:`_FAMILIES`): "abandonner le système des tranches" / "Supprimer
    les tranches" (to abandon, stop or give up X and to remove X), "moins de place pour la voiture" / "diminuer la
    place de la voiture". Only the negating words written before the word count (a later "qui ne pourrait pas
    dépasser 40 %" does not reach back). A "ne … pas" before it ("il ne faut pas supprimer le budget"), or a
    negating word that bears on the family's verb itself ("arrêter de supprimer des liaisons") keeps the
    contradiction."""
    claim_negated = claim.negated.get(w.clause, False)
    if claim_negated == source.negated.get(v.clause, False) or w.sans or v.sans:
        return False
    (negative, x), (positive, y) = ((claim, w), (source, v)) if claim_negated else ((source, v), (claim, w))
    clauses = _with_compared(negative, x.clause)
    cues = _negators(negative, clauses, before=x.start)  # a negation reaches what follows it, not what precedes
    for cue, family in _FAMILIES:
        if not cues or not all(cue.match(c) for c in cues):
            continue
        if any(
            family.match(t.folded) and t.folded not in cues
            for t in negative.tokens
            if t.clause in clauses and t.start <= x.start
        ):
            return False  # "il faut arrêter de supprimer des liaisons": the negation bears on the verb itself
        return _acts(positive, _with_compared(positive, y.clause), family)
    return False


_INFINITIVE = re.compile(r"\w{3,}(?:er|ir)")
_FINITE = re.compile(r"\w{3,}(?:ait|aient|ront)")
"""Verb forms told by their ending alone: infinitives in -er / -ir, finite verbs in the imperfect, the conditional
and the future ("verrait", "pourraient", "feront"); a present tense ("boit") is not told from a noun."""


def _past_coordination(analysis: _Analysis, x: _Word) -> bool:
    """True when ``x`` follows, in its clause, an "et" / "ou" that opens a new verb after the clause's last negating
    word: a finite verb ("ne remplit pas son rôle et verrait bien un partenariat": each finite verb takes its own
    "ne"), or an infinitive when none stands between the first negating word and the "et" ("qui ne dégagent aucun
    CO2 et rouvrir des centrales": "rouvrir" cannot be coordinated to "dégagent"). "Il ne faut pas fermer (plus de)
    centrales et rouvrir …" keeps "rouvrir" denied: the two infinitives hang on the one negated "faut"."""
    tokens = [
        t.folded for t in analysis.tokens if t.clause in _with_compared(analysis, x.clause) and t.start <= x.start
    ]
    negating = [k for k, t in enumerate(tokens) if t in ("ne", "n") or _negating_at(tokens, k)]
    if not negating:
        return False
    infinitive = False  # an infinitive after the first negating word ("ne faut pas fermer … et rouvrir")
    for k in range(negating[0] + 1, len(tokens) - 1):
        if k > negating[-1] and tokens[k] in ("et", "ou"):
            after = tokens[k + 1]
            if _FINITE.fullmatch(after) or (_INFINITIVE.fullmatch(after) and not infinitive):
                return after not in STOP_WORDS
        infinitive = infinitive or bool(_INFINITIVE.fullmatch(tokens[k]))
    return False


def _coordinated_past_negation(claim: _Analysis, w: _Word, source: _Analysis, v: _Word) -> bool:
    """True when the only negated side's word lies past a coordinated verb the negation does not reach
    (:func:`_past_coordination`): the other side, not negated, agrees with it."""
    claim_negated = claim.negated.get(w.clause, False)
    if claim_negated == source.negated.get(v.clause, False) or w.sans or v.sans:
        return False
    return _past_coordination(claim, w) if claim_negated else _past_coordination(source, v)


_AVOIDING = re.compile(r"^(?:plutot|lieu|evit\w*)$")
"""Negating words that set a term aside as what a proposal would replace or avoid ("au lieu de", "plutôt que
de", "éviteraient de")."""

_PREFERENCE = frozenset(["plutot", "lieu", "mieux"])

_CONDITIONAL = re.compile(r"\w{3,}(?:rait|raient)$")


def _proposes(analysis: _Analysis) -> bool:
    """True when the sentence proposes or wishes (a verb of wish or demand, or a conditional: "éviteraient",
    "voudrait")."""
    return any(_WISH.match(t.folded) or _CONDITIONAL.fullmatch(t.folded) for t in analysis.tokens)


def _status_quo_set_aside(claim: _Analysis, w: _Word, source: _Analysis, v: _Word) -> bool:
    """True when the claim negates ``w`` only by setting it aside in a proposal ("au lieu de subir des règles
    conçues sans eux", "des conventions éviteraient de licencier", "plutôt que de dépenser en allocation, un
    contributeur voudrait …") while the source states it as a fact, not as a will: what the proposal would
    replace is what happens now, and the source saying it happens agrees. "Il faut supprimer X" against
    "au lieu de supprimer X, …" (the source wills it) and a claim stating a fact ("au lieu de financer X, les
    OPCO financent Y") stay contradictions."""
    clauses = _with_compared(claim, w.clause)
    if not claim.negated.get(w.clause, False) or source.negated.get(v.clause, False) or w.sans or v.sans:
        return False
    cues = _negators(claim, clauses)
    if not cues or not all(_AVOIDING.match(c) for c in cues) or not _proposes(claim):
        return False
    source_clause = [t for t in source.tokens if t.clause in _with_compared(source, v.clause)]
    return not any(t.compared or _WISH.match(t.folded) or t.folded in _PREFERENCE for t in source_clause)


def _restricts(analysis: _Analysis, clauses: tuple[int, ...]) -> bool:
    """True when ``clauses`` hold a restriction "ne … que" ("ne représente qu'un pourcent"): a "ne" followed, a
    few words on, by "que" with no negating word between (not "ne … pas que")."""
    tokens = [t.folded for t in analysis.tokens if t.clause in clauses]
    for k, t in enumerate(tokens):
        if t in ("ne", "n"):
            for u in tokens[k + 1 : k + 6]:
                if u in NE_PARTICLES or u in BARE_NEGATORS:
                    break
                if u in ("que", "qu"):
                    return True
    return False


def _little_as_only(claim: _Analysis, w: _Word, source: _Analysis, v: _Word) -> bool:
    """True when one side says little with "peu" and the other says only with "ne … que" ("pèse peu dans la
    pollution" / "ne représente qu'un pourcent de la pollution"): "peu" is a negation of degree, "ne … que" a
    restriction that holds no negation; both say the same small part."""
    claim_clauses, source_clauses = _with_compared(claim, w.clause), _with_compared(source, v.clause)
    claim_negated = claim.negated.get(w.clause, False)
    if claim_negated == source.negated.get(v.clause, False) or w.sans or v.sans:
        return False
    if claim_negated:
        return _negators(claim, claim_clauses) == {"peu"} and _restricts(source, source_clauses)
    return _negators(source, source_clauses) == {"peu"} and _restricts(claim, claim_clauses)


SENTENCES_AROUND = 1
"""The other side's negating word may be written in the sentence of the word or in the one before or after
("Le droit … est déjà là. Inutile de légiférer plus fort.")."""

_POSITIONAL = frozenset(["plutot", "lieu", "sans", "contre", "moins", "peu"])
"""Negating words that deny one term of the clause, not the clause: the same word on both sides proves nothing."""

_NEGATOR_WORDS = NE_PARTICLES | BARE_NEGATORS | {"plutot", "lieu", "contre", "moins", "peu", "faute"}


def _negators(analysis: _Analysis, clauses: tuple[int, ...], before: int | None = None) -> set[str] | None:
    """The negating words of ``clauses`` ("pas", "sans", "plutôt", "inutile", "refusent"; "ne" left out, "plus"
    and "personne" only after a "ne"), only those written before the offset ``before`` when it is given; None
    when a comparison sets a term aside there (the order of the terms, not a word, says which is denied)."""
    tokens = [t for t in analysis.tokens if t.clause in clauses and (before is None or t.end <= before)]
    if any(t.compared for t in tokens):
        return None
    folded = [t.folded for t in tokens]
    return {t for k, t in enumerate(folded) if _negating_at(folded, k)}


def _negating_at(tokens: Sequence[str], k: int) -> bool:
    """Whether the folded token ``k`` negates ("pas", "sans", "plutôt", "inutile", "refusent"); "plus", "personne",
    "ni", "point" only after a "ne" at most five words before ("plus pertinent" is not a negation)."""
    t = tokens[k]
    if t in NE_PARTICLES - BARE_NEGATORS:
        return any(x in ("ne", "n") for x in tokens[max(0, k - 5) : k])
    return t in _NEGATOR_WORDS or is_negative_word(t)


def _sentence_of(analysis: _Analysis, v: _Word, around: int = SENTENCES_AROUND) -> str:
    """The sentence (cut at . ! ? and line ends) of ``analysis`` that holds ``v``, with ``around`` sentences on
    each side."""
    text = analysis.folded
    start, end = v.start, v.end
    for _ in range(around + 1):
        start = max(text.rfind(c, 0, max(start - 1, 0)) for c in ".!?\n") + 1 if start > 0 else 0
        ends = [e for e in (text.find(c, end + 1) for c in ".!?\n") if e >= 0]
        end = min(ends, default=len(text))
    return text[start:end]


def _same_negators(claim: _Analysis, w: _Word, source: _Analysis, v: _Word) -> bool:
    """True when the negated side's negating words are all written in the other side's sentence too: the
    two say the same thing, and the clauses were only cut at different places ("Inutile de légiférer plus
    fort, le droit … étant déjà là" from "Le droit … est déjà là. Inutile de légiférer plus fort" is no
    contradiction; "Il faut supprimer" against "il ne faut pas supprimer" still is)."""
    claim_negated = claim.negated.get(w.clause, False)
    if claim_negated == source.negated.get(v.clause, False):
        return False
    if claim_negated:
        cues, other = _negators(claim, _with_compared(claim, w.clause)), _sentence_of(source, v)
    else:
        cues, other = _negators(source, _with_compared(source, v.clause)), claim.folded
    if not cues or cues & _POSITIONAL:
        return False  # "X plutôt que Y" and "Y plutôt que X" hold the same words: which term is denied matters
    return cues <= set(re.findall(r"\w+", other))


def _with_compared(analysis: _Analysis, clause: int) -> tuple[int, ...]:
    """The clause, and the one before when it is the term a preference sets aside ("… à l'atelier")."""
    opened = any(t.compared for t in analysis.tokens if t.clause == clause)
    return (clause - 1, clause) if opened else (clause,)


_WISH = re.compile(
    r"^(?:veu[lx]|voudr|souhait|demand|reclam|faut$|faudr|devrai|propos|attend|aimer|exig|esper|revendiqu"
    r"|cherch|vis(?:e|ent|er|ant)$|tent(?:e|ent|er|ant)$|essa[iy]"  # an aim restates a lack too
    r"|doi(?:t|vent)$)"  # "ne doit pas être un module de plus" is a will, not a lack
)


def _wished(analysis: _Analysis, w: _Word) -> bool:
    """True when a verb of wish or demand comes before ``w`` in its clause ("veulent être consultés")."""
    return any(_WISH.match(t.folded) for t in analysis.tokens if t.clause == w.clause and t.end <= w.start)


def _lacking(analysis: _Analysis, v: _Word) -> bool:
    """True when ``v``'s clause states a lack ("sans consulter", "n'est pas payé"), not a will
    ("refusent tout financement", "il ne faut pas")."""
    clause = [t.folded for t in analysis.tokens if t.clause == v.clause]
    # "on ne peut pas faire une loi pour …" judges, as "il ne faut pas" does: an impersonal subject
    judged = any(
        a == "on" and b in ("ne", "n") and c.startswith(("peu", "pourr"))
        for a, b, c in zip(clause, clause[1:], clause[2:])
    )
    # "le rôle de l'État n'est pas de former …", "ce n'est pas à l'État de …" judges whose task it is
    judged = judged or any(
        a in ("est", "sont", "etait", "serait") and b == "pas" and c in ("de", "d", "a")
        for a, b, c in zip(clause, clause[1:], clause[2:])
    )
    return not judged and not any(_WISH.match(t) or is_negative_word(t) for t in clause)

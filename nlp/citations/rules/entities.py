"""Actors, places and programmes: named entities that must be in the cited texts, and who-does-what
exchanged between two actors or two roles."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from nlp.citations.acronyms import expansion_in, same_name_in
from nlp.citations.analysis import _Analysis, _is_agent, _same_word, _Word
from nlp.citations.wording import _ids_phrase, _quote_span
from nlp.text import fold

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


def _entities(text: str) -> list[str]:
    """Actors, places and programmes named in ``text``: capitalised words after the first, acronyms, institutions."""
    out: list[str] = []
    for match in _CAPITALISED.finditer(text):
        name = match.group().strip(" -'’")
        first_word = fold(name.split()[0]).strip("'’")
        sentence_start = match.start() == 0 or text[: match.start()].rstrip().endswith((".", ":", "!", "?"))
        if sentence_start and not (name.isupper() and len(name) >= 2) and fold(name) not in _KNOWN_ENTITIES:
            # The first word is capitalised because it opens the sentence; a name after it is still a name
            # (« Sur Twitter, … », « En Bretagne, … »).
            rest = name.split(" ", 1)[1] if " " in name else ""
            if not rest[:1].isupper():
                continue
            name, first_word = rest, fold(rest.split()[0]).strip("'’")
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
    name = " ".join(parts)
    if expansion_in(name, analysis.folded) or same_name_in(name, analysis.folded):
        return True  # « PME » for « petites et moyennes entreprises », « France Travail » for « Pôle emploi »
    words = {t.folded for t in analysis.tokens}
    return all(
        p in words
        or (len(p) >= 4 and any(w.startswith(p) for w in words))
        # "C2i", "B2i", "M2": the tokens split letters from digits, the text holds the name as written
        or (any(c.isdigit() for c in p) and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", analysis.folded))
        for p in parts
    )


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
    found = [w for w in analysis.words if w.folded in _ACTOR_NOUNS or w.folded in names or _is_agent(w.folded)]
    return [w for w in found if sum(_same_word(w, x) for x in found) == 1]


def _misattributed(claim: _Analysis, sources: dict[int, _Analysis], names: set[str], aligned: set[int]) -> list[str]:
    """The subject of a clause found in the cited texts only in clauses that say nothing else of it:
    "la Région refuse de prendre en charge les frais" against "la Région finance …, mais les OPCO
    refusent de prendre en charge les frais"."""
    reasons = []
    actors = _actors(claim, names)
    for a in actors:
        # what the clause says of it, in the sources' own words (a word aligned by meaning has no place to check)
        others = [
            w
            for n, w in enumerate(claim.words)
            if w.clause == a.clause
            and n in aligned
            and w not in actors
            and any(_same_word(w, x) for s in sources.values() for x in s.words)
        ]
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
